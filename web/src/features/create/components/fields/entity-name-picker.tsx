import type { FieldProps } from '@rjsf/utils';
import { FieldFrame, describedBy } from './field-frame.js';

/** Backstage's rule for entity names, used when the template gives no pattern of its own. */
const ENTITY_NAME = '^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$';

/** A name for a new entity: a text input that checks the name's pattern as the user types. */
export function EntityNamePicker(props: FieldProps<string>) {
  const pattern = typeof props.schema.pattern === 'string' ? props.schema.pattern : ENTITY_NAME;
  return (
    <FieldFrame props={props}>
      <input
        id={props.fieldPathId.$id}
        name={props.name}
        type="text"
        value={props.formData ?? ''}
        pattern={pattern}
        maxLength={63}
        required={props.required}
        disabled={props.disabled || props.readonly}
        autoFocus={props.autofocus}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={describedBy(props)}
        aria-invalid={(props.rawErrors?.length ?? 0) > 0}
        onChange={(event) => props.onChange(event.target.value === '' ? undefined : event.target.value, props.fieldPathId.path)}
        onBlur={(event) => props.onBlur(props.fieldPathId.$id, event.target.value)}
      />
    </FieldFrame>
  );
}
