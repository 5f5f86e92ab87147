import { useNavigate } from 'react-router';
import { type EntityName, entityPath, humanizeEntityName, parseEntityName } from '../../../components/entity-name.js';

/** One neighbour of the entity and every way it is related to it (`ownedBy`, `partOf`, …). */
export interface Neighbour {
  ref: string;
  entity: EntityName;
  types: string[];
}

/** Groups the entity's relations by the other end, in a stable order. */
export function neighboursOf(relations: { type: string; targetRef: string }[]): Neighbour[] {
  const byRef = new Map<string, Neighbour>();
  for (const relation of relations) {
    const neighbour = byRef.get(relation.targetRef) ?? { ref: relation.targetRef, entity: parseEntityName(relation.targetRef), types: [] };
    if (!neighbour.types.includes(relation.type)) neighbour.types.push(relation.type);
    byRef.set(relation.targetRef, neighbour);
  }
  return [...byRef.values()].sort((a, b) => a.entity.kind.localeCompare(b.entity.kind) || a.entity.name.localeCompare(b.entity.name));
}

/** `providesApi` → `provides API`, `ownedBy` → `owned by`. */
export const relationLabel = (type: string) => type.replace(/^api(?=[A-Z])/, 'API ').replace(/Api\b/g, ' API').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/ ([A-Z])(?=[a-z])/g, (_, letter: string) => ` ${letter.toLowerCase()}`);

const WIDTH = 720;
const MAX_NODES = 16;
const shorten = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/**
 * The entity in the middle and its neighbours around it, each a link to its page. The picture
 * is for the eye and the mouse; the list beside it carries the same links for the keyboard and
 * screen readers, so the picture is hidden from them.
 */
export function RelationsGraph({ entity, neighbours }: { entity: EntityName; neighbours: Neighbour[] }) {
  const navigate = useNavigate();
  const shown = neighbours.slice(0, MAX_NODES);
  // A few neighbours fit above and below the entity; more go round it.
  const height = shown.length <= 2 ? 240 : 380;
  const cx = WIDTH / 2;
  const cy = height / 2;
  const nodes = shown.map((neighbour, index) => {
    const angle = (2 * Math.PI * index) / shown.length - Math.PI / 2;
    return { neighbour, x: cx + Math.cos(angle) * (WIDTH / 2 - 90), y: cy + Math.sin(angle) * (height / 2 - 40) };
  });

  return (
    <svg className="relations-graph" viewBox={`0 0 ${WIDTH} ${height}`} aria-hidden="true" focusable="false">
      {nodes.map(({ neighbour, x, y }) => (
        <g key={`edge-${neighbour.ref}`}>
          <line x1={cx} y1={cy} x2={x} y2={y} className="edge" />
          <text x={(cx + x) / 2} y={(cy + y) / 2 - 4} className="edge-label" textAnchor="middle">
            {shorten(neighbour.types.map(relationLabel).join(', '), 28)}
          </text>
        </g>
      ))}
      {nodes.map(({ neighbour, x, y }) => {
        const path = entityPath(neighbour.entity);
        return (
          <a
            key={`node-${neighbour.ref}`}
            href={path}
            tabIndex={-1}
            className="node"
            onClick={(event) => {
              if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
              event.preventDefault();
              navigate(path);
            }}
          >
            <rect x={x - 78} y={y - 20} width={156} height={40} rx={8} />
            <text x={x} y={y - 4} textAnchor="middle" className="node-kind">
              {neighbour.entity.kind}
            </text>
            <text x={x} y={y + 12} textAnchor="middle" className="node-name">
              {shorten(humanizeEntityName(neighbour.entity), 22)}
            </text>
          </a>
        );
      })}
      <g className="node self">
        <rect x={cx - 88} y={cy - 24} width={176} height={48} rx={10} />
        <text x={cx} y={cy - 6} textAnchor="middle" className="node-kind">
          {entity.kind}
        </text>
        <text x={cx} y={cy + 12} textAnchor="middle" className="node-name">
          {shorten(humanizeEntityName(entity), 24)}
        </text>
      </g>
      {neighbours.length > MAX_NODES && (
        <text x={WIDTH - 8} y={height - 8} textAnchor="end" className="edge-label">
          and {neighbours.length - MAX_NODES} more in the list
        </text>
      )}
    </svg>
  );
}
