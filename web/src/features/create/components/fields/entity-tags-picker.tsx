import type { FieldProps } from '@rjsf/utils';
import { useState } from 'react';
import { FieldFrame, describedBy } from './field-frame.js';

/** Tags typed as a comma-separated list, kept as an array of lower-case words. */
export function EntityTagsPicker(props: FieldProps<string[]>) {
  const [text, setText] = useState((props.formData ?? []).join(', '));
  return (
    <FieldFrame props={props}>
      <input
        id={props.fieldPathId.$id}
        name={props.name}
        type="text"
        value={text}
        placeholder="java, data, ml"
        disabled={props.disabled || props.readonly}
        autoFocus={props.autofocus}
        autoComplete="off"
        aria-describedby={`${describedBy(props)} ${props.fieldPathId.$id}__hint`}
        onChange={(event) => {
          setText(event.target.value);
          const tags = event.target.value
            .split(',')
            .map((tag) => tag.trim().toLowerCase())
            .filter(Boolean);
          props.onChange(tags.length > 0 ? [...new Set(tags)] : undefined, props.fieldPathId.path);
        }}
      />
      <p id={`${props.fieldPathId.$id}__hint`} className="field-description muted">
        Separate tags with commas.
      </p>
    </FieldFrame>
  );
}
