import type { FieldProps } from '@rjsf/utils';
import type { ReactNode } from 'react';

/** Custom fields draw their own label and description (rjsf leaves them out for a `ui:field`); errors stay rjsf's. */
export function FieldFrame({ props, children }: { props: FieldProps; children: ReactNode }) {
  const id = props.fieldPathId.$id;
  const title = props.uiSchema?.['ui:title'] ?? props.schema.title ?? props.name;
  const description = props.uiSchema?.['ui:description'] ?? props.schema.description;
  return (
    <div className="custom-field">
      <label htmlFor={id}>
        {title}
        {props.required && <span aria-hidden="true"> *</span>}
      </label>
      {description && (
        <p id={`${id}__description`} className="field-description muted">
          {description}
        </p>
      )}
      {children}
    </div>
  );
}

/** The ids that describe a field's main input: its description and its errors. */
export const describedBy = (props: FieldProps) => `${props.fieldPathId.$id}__description ${props.fieldPathId.$id}__error`;

/** `ui:options` of a field, typed loosely: templates write what they like there. */
export const uiOptions = (props: FieldProps) => (props.uiSchema?.['ui:options'] ?? {}) as Record<string, unknown>;
