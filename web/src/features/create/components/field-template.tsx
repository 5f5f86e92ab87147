import { type FieldTemplateProps, getTemplate, getUiOptions } from '@rjsf/utils';

/**
 * rjsf's field frame, with the required mark hidden from screen readers: a field is named
 * "Description", not "Description*" (the input says it is required itself).
 */
export function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, registry, uiSchema } = props;
  const uiOptions = getUiOptions(uiSchema);
  const WrapIfAdditionalTemplate = getTemplate('WrapIfAdditionalTemplate', registry, uiOptions);
  if (hidden) return <div className="hidden">{children}</div>;
  const showLabel = displayLabel && uiOptions.widget !== 'checkbox';
  return (
    <WrapIfAdditionalTemplate {...props}>
      {showLabel && (
        <label className="control-label" htmlFor={id}>
          {label}
          {required && (
            <span className="required" aria-hidden="true">
              *
            </span>
          )}
        </label>
      )}
      {displayLabel && description ? description : null}
      {children}
      {errors}
      {help}
    </WrapIfAdditionalTemplate>
  );
}
