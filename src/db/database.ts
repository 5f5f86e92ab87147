import type { AccessTables } from '../access/tables.js';
import type { AuditTables } from '../audit/tables.js';
import type { CatalogTables } from '../catalog/tables.js';
import type { DeliveryTables } from '../delivery/tables.js';
import type { GitTables } from '../git/tables.js';
import type { PipelinesTables } from '../pipelines/tables.js';
import type { SecretsTables } from '../secrets/tables.js';
import type { TasksTables } from '../tasks/tables.js';

/**
 * Every module's tables, gathered for Kysely's types. Each module declares and migrates its own
 * tables (prefixed with its name) and is the only one that queries them.
 */
export type Database = AccessTables & AuditTables & CatalogTables & DeliveryTables & GitTables & PipelinesTables & SecretsTables & TasksTables;
