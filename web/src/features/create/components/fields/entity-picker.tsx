import type { FieldProps } from '@rjsf/utils';
import { FieldFrame, describedBy, uiOptions } from './field-frame.js';
import { pickerFilters, useEntityOptions } from './use-entity-options.js';

/**
 * Picks an entity from the catalog and keeps its ref (`system:default/payments`). When the
 * catalog cannot be read, or offers nothing, the user can still type a ref.
 */
export function EntityPicker(props: FieldProps<string>) {
  return <CatalogEntitySelect props={props} fallbackKinds={[]} />;
}

/** An owner: a group (or a user), as `group:default/team-a`. */
export function OwnerPicker(props: FieldProps<string>) {
  return <CatalogEntitySelect props={props} fallbackKinds={['Group', 'User']} />;
}

function CatalogEntitySelect({ props, fallbackKinds }: { props: FieldProps<string>; fallbackKinds: string[] }) {
  const options = useEntityOptions(pickerFilters(uiOptions(props), fallbackKinds));
  const id = props.fieldPathId.$id;
  const value = props.formData ?? '';
  const change = (next: string) => props.onChange(next === '' ? undefined : next, props.fieldPathId.path);
  const common = {
    id,
    name: props.name,
    required: props.required,
    disabled: props.disabled || props.readonly,
    autoFocus: props.autofocus,
    'aria-describedby': describedBy(props),
    'aria-invalid': (props.rawErrors?.length ?? 0) > 0,
  };

  if (options.isPending) {
    return (
      <FieldFrame props={props}>
        <select {...common} disabled aria-busy="true">
          <option>Loading…</option>
        </select>
      </FieldFrame>
    );
  }
  const items = options.data ?? [];
  if (items.length === 0) {
    return (
      <FieldFrame props={props}>
        <input {...common} type="text" value={value} placeholder="kind:namespace/name" onChange={(event) => change(event.target.value.trim())} />
        {options.error && <p className="muted">The catalog could not be read ({options.error.message}); type an entity ref.</p>}
      </FieldFrame>
    );
  }
  const known = value === '' || items.some((item) => item.ref === value);
  return (
    <FieldFrame props={props}>
      <select {...common} value={value} onChange={(event) => change(event.target.value)}>
        <option value="">Choose…</option>
        {!known && <option value={value}>{value}</option>}
        {items.map((item) => (
          <option key={item.ref} value={item.ref}>
            {item.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}
