import type { ReactNode } from 'react';

// Words that shape protobuf, GraphQL and AsyncAPI/YAML definitions; enough to make them scannable.
const KEYWORDS =
  /^(syntax|package|import|option|service|rpc|returns|stream|message|enum|oneof|repeated|optional|map|reserved|type|interface|input|union|scalar|schema|query|mutation|subscription|extend|implements|directive|fragment|on|true|false|null)$/;
const TOKEN = /(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][\w-]*)(?=\s*:)|([A-Za-z_]\w*)/g;

/** Splits definition text into comment, string, number, key and keyword spans; everything else stays plain. */
function highlight(text: string): ReactNode[] {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const index = match.index;
    const [token, comment, string, number, key, word] = match;
    const kind = comment ? 'comment' : string ? 'string' : number ? 'number' : key ? 'key' : word && KEYWORDS.test(word) ? 'keyword' : undefined;
    if (!kind) continue;
    if (index > last) parts.push(text.slice(last, index));
    parts.push(
      <span key={index} className={`hl-${kind}`}>
        {token}
      </span>,
    );
    last = index + token.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** A definition that is not OpenAPI (gRPC, GraphQL, AsyncAPI, …) as highlighted text. */
export function HighlightedDefinition({ text, label }: { text: string; label: string }) {
  return (
    <pre className="definition" tabIndex={0} aria-label={label}>
      <code>{highlight(text)}</code>
    </pre>
  );
}
