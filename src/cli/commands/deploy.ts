import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { type ApiClient, checked, connect } from '../api-client.js';
import { wholeNumber } from '../arguments.js';
import { resolveToken } from '../credentials.js';
import { CliError, type CliIo, type Output, UsageError, createOutput, globalOptions } from '../output.js';
import { jsonOf, readEventStream, sseMessages } from '../sse.js';
import { durationText, shorten, timeOf } from '../text.js';

const API = '/api/delivery';
/** The statuses a deployment does not leave. */
const FINISHED = new Set(['succeeded', 'failed', 'rejected']);
const ROLLED_BACK = 'rolled back: the previous version keeps serving';

// The CLI's own view of the delivery API: what it reads, checked where JSON comes in. Statuses
// stay strings, so that a status added on the server is shown rather than refused.
const resourceSchema = z.looseObject({
  type: z.string(), class: z.string(), key: z.string(), provisioner: z.string(), outputs: z.record(z.string(), z.unknown()), provisionMs: z.number().nullish(),
});
const deploymentSchema = z.looseObject({
  id: z.string(), number: z.number(), workload: z.string(), environment: z.string(), componentRef: z.string().nullable(), repository: z.string(), commit: z.string(),
  reason: z.string(), sourceDeploymentId: z.string().nullable(), status: z.string(), error: z.string().nullable(), rolledBack: z.boolean(),
  resources: z.record(z.string(), resourceSchema), commits: z.array(z.looseObject({ sha: z.string(), at: z.string() })),
  createdBy: z.string(), requestedBy: z.string().optional(), createdAt: z.string(), approvedBy: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(),
  timeToReadyMs: z.number().nullable(), taskId: z.string().nullable(),
});
type Deployment = z.infer<typeof deploymentSchema>;
const environmentSchema = z.looseObject({
  name: z.string(), type: z.string(), runtime: z.string(), requiresApproval: z.boolean(), longLived: z.boolean(), promotesTo: z.string().nullable(),
  preview: z.looseObject({ repository: z.string(), branch: z.string() }).nullable(), expiresAt: z.string().nullable(), status: z.string(), createdBy: z.string(), createdAt: z.string(),
});
type Environment = z.infer<typeof environmentSchema>;
const instanceSchema = z.looseObject({
  health: z.string(), url: z.string().optional(), containers: z.array(z.looseObject({ name: z.string(), restarts: z.number(), health: z.string(), lastExit: z.string().optional() })).default([]),
});
const workloadSchema = z.looseObject({ environment: z.string(), workload: z.string(), deployment: deploymentSchema, instance: instanceSchema.nullish(), timeToProvisionMs: z.number().nullable() });
const resourceSummarySchema = z.looseObject({
  key: z.string(), workload: z.string(), type: z.string(), class: z.string(), provisioner: z.string(), status: z.string(), error: z.string().nullable(),
  outputs: z.record(z.string(), z.unknown()), provisionMs: z.number().nullable(),
});
const environmentDetailSchema = environmentSchema.extend({ workloads: z.array(workloadSchema), resources: z.array(resourceSummarySchema) });
const logLineSchema = z.looseObject({ seq: z.number(), message: z.string(), level: z.string().optional(), stepId: z.string().nullish() });
type LogLine = z.infer<typeof logLineSchema>;
const outputLineSchema = z.looseObject({ at: z.string(), stream: z.string(), text: z.string(), container: z.string() });
type OutputLine = z.infer<typeof outputLineSchema>;

/** What a command that talks to the server needs: where to print, the client, and the token for event streams. */
type Session = { out: Output; client: ApiClient; token: string };

/** `paved deployment` subcommands: someone typing `paved deploy list` is pointed there. */
const DEPLOYMENT_COMMANDS = ['list', 'show', 'logs', 'promote', 'rollback', 'approve', 'reject', 'cancel'];

/**
 * `paved deploy`, `paved deployment …`, `paved env …` and `paved workload logs`: delivery,
 * through `/api/delivery`. `deploy REPO` is a command of its own and the rest live under
 * `deployment`: a command that is both a verb with an argument and the parent of subcommands
 * would let its options (`--env`) swallow those of its subcommands in commander.
 */
export function registerDeliveryCommands(program: Command, io: CliIo): void {
  const session = (command: Command): Session => {
    const globals = globalOptions(command);
    const out = createOutput(io, globals);
    const client = connect(io, globals, out);
    return { out, client, token: resolveToken({ flag: globals.token, env: io.env, cwd: io.cwd, serverUrl: client.baseUrl })?.token ?? '' };
  };

  program
    .command('deploy')
    .description("deploy a revision of a repository (its score.yaml) to an environment and follow it until it serves, or is rolled back")
    .argument('<repo>', 'the repository, namespace/name')
    .usage('<repo> --env <environment> [options]')
    // Checked in the action, after REPO: `paved deploy list` is then pointed at `paved deployment list`.
    .option('-e, --env <environment>', 'the environment, e.g. dev (`paved env list` lists them); required')
    .option('--ref <commit-or-branch>', "the revision (default: the tip of the repository's default branch)")
    .option('--score <path>', "the workload's Score file in the repository (default: score.yaml)")
    .option('--no-follow', 'print the deployment and return at once')
    .addHelpText(
      'after',
      '\nExit 0 when the deployment succeeded (or waits for an approval: how to approve is printed); exit 1 when it failed.\nThe deployments themselves: `paved deployment list|show|logs|promote|rollback|approve|reject|cancel`.\n\nExamples:\n  paved deploy team-a/shop --env dev\n  paved deploy team-a/shop --env dev --ref 1a2b3c4d --score deploy/score.yaml\n  paved deploy team-a/shop --env staging --no-follow --json | jq -r .id',
    )
    .action(async (repoText: string, options: { env?: string; ref?: string; score?: string; follow: boolean }, command: Command) => {
      const repository = repoOf(repoText);
      if (!options.env) throw new UsageError("required option '-e, --env <environment>' not specified", ['Name the environment to deploy to, e.g. --env dev; `paved env list` lists them.']);
      const current = session(command);
      const body = { repository, environment: options.env, ...(options.ref ? { ref: options.ref } : {}), ...(options.score ? { scorePath: options.score } : {}) };
      const deployment = checked(deploymentSchema, await current.client.request<unknown>('POST', `${API}/deployments`, { json: body }));
      await started(current, deployment, options.follow);
    });

  const deployment = program.command('deployment').description('list deployments, show one, follow its log; promote, roll back, approve, reject and cancel');

  deployment
    .command('list')
    .description('list deployments, newest first: #, WORKLOAD, ENV, STATUS, COMMIT, REASON, BY, CREATED, TIME (to ready), ERROR')
    .option('--workload <workload>', "only this workload's deployments")
    .option('-e, --env <environment>', "only this environment's deployments")
    .option('--component <ref>', "only the deployments of this catalog component's code, e.g. component:default/shop")
    .option('--status <status>', 'only deployments with this status (awaiting_approval, queued, deploying, succeeded, failed, rejected)')
    .option('--limit <n>', 'at most N deployments, 1 to 500 (default 50)', wholeNumber({ max: 500 }))
    .addHelpText('after', '\nExamples:\n  paved deployment list\n  paved deployment list --workload shop --env prod --limit 5\n  paved deployment list --status awaiting_approval --json | jq -r ".items[].id"')
    .action(async (options: { workload?: string; env?: string; component?: string; status?: string; limit?: number }, command: Command) => {
      const { out, client } = session(command);
      const query = { workload: options.workload, environment: options.env, component: options.component, status: options.status, limit: options.limit };
      const items = checked(z.object({ items: z.array(deploymentSchema) }), await client.request<unknown>('GET', `${API}/deployments`, { query })).items;
      if (out.json) return out.data({ items });
      if (items.length === 0) return out.note('No deployments.');
      out.table(
        ['#', 'WORKLOAD', 'ENV', 'STATUS', 'COMMIT', 'REASON', 'BY', 'CREATED', 'TIME', 'ERROR'],
        items.map((item) => [item.number, item.workload, item.environment, item.status, item.commit.slice(0, 12), item.reason, shortRef(item.createdBy), timeOf(item.createdAt), durationText(item.timeToReadyMs), shorten(item.error)]),
      );
    });

  deployment
    .command('show')
    .description('show a deployment: revision, status, timings, and the resources it used (secret outputs as [secret])')
    .argument('<deployment>', 'a deployment id, or ENV/WORKLOAD#N (deployment number N of a workload in an environment)')
    .addHelpText('after', '\nExamples:\n  paved deployment show dev/shop#3\n  paved deployment show 0197a3c2-… --json')
    .action(async (refText: string, _options: unknown, command: Command) => {
      const { out, client } = session(command);
      const found = await findDeployment(client, deploymentRefOf(refText));
      if (out.json) return out.data(found);
      printDeployment(out, found);
    });

  deployment
    .command('logs')
    .description("print a deployment's log so far, or with --follow stream it until the deployment ends")
    .argument('<deployment>', 'a deployment id, or ENV/WORKLOAD#N')
    .option('-f, --follow', 'stream the log until the deployment ends (waiting for an approval first); exit 1 if it failed')
    .addHelpText('after', '\nExamples:\n  paved deployment logs dev/shop#3\n  paved deployment logs 0197a3c2-… --follow')
    .action(async (refText: string, options: { follow?: boolean }, command: Command) => {
      const current = session(command);
      const found = await findDeployment(current.client, deploymentRefOf(refText));
      if (options.follow) return finish(current, await follow(current, found));
      const items: LogLine[] = [];
      for (let page = await getLogs(current.client, found.id, 0); page.length > 0; page = await getLogs(current.client, found.id, page.at(-1)!.seq)) items.push(...page);
      if (current.out.json) return current.out.data({ deployment: found, items });
      for (const line of items) current.out.line(lineText(line));
      if (!FINISHED.has(found.status)) current.out.note(`${title(found)} is ${found.status}; add --follow to stream the rest.`);
    });

  deployment
    .command('promote')
    .description('deploy the same revision (and score.yaml) to the next environment, or to --to, and follow it')
    .argument('<deployment>', 'a succeeded deployment: its id, or ENV/WORKLOAD#N')
    .option('--to <environment>', 'the environment (default: the one after it in the promotion order, e.g. dev → staging)')
    .option('--no-follow', 'print the new deployment and return at once')
    .addHelpText('after', '\nExamples:\n  paved deployment promote dev/shop#3\n  paved deployment promote 0197a3c2-… --to prod --no-follow')
    .action(async (refText: string, options: { to?: string; follow: boolean }, command: Command) => {
      const current = session(command);
      const source = await resolveId(current.client, deploymentRefOf(refText));
      const promoted = checked(deploymentSchema, await current.client.request<unknown>('POST', `${API}/deployments/${encodeURIComponent(source)}/promote`, { json: options.to ? { to: options.to } : {} }));
      await started(current, promoted, options.follow);
    });

  deployment
    .command('rollback')
    .description('deploy an earlier revision of a workload again: the deployment --to, or the last succeeded one of another commit')
    .argument('<workload>', "the workload (its score.yaml's metadata.name)")
    .requiredOption('-e, --env <environment>', 'the environment')
    .option('--to <deployment>', 'the succeeded deployment to go back to: its id, or ENV/WORKLOAD#N')
    .option('--no-follow', 'print the new deployment and return at once')
    .addHelpText('after', '\nExamples:\n  paved deployment rollback shop --env prod\n  paved deployment rollback shop --env prod --to prod/shop#4')
    .action(async (workload: string, options: { env: string; to?: string; follow: boolean }, command: Command) => {
      const target = options.to === undefined ? undefined : deploymentRefOf(options.to);
      const current = session(command);
      const to = target ? await resolveId(current.client, target) : undefined;
      const rolledBack = checked(deploymentSchema, await current.client.request<unknown>('POST', `${API}/rollback`, { json: { environment: options.env, workload, ...(to ? { to } : {}) } }));
      await started(current, rolledBack, options.follow);
    });

  deployment
    .command('approve')
    .description('approve a deployment waiting for an owner (another one than who asked for it), which then starts')
    .argument('<deployment>', 'a deployment id, or ENV/WORKLOAD#N')
    .option('-f, --follow', 'follow the deployment once approved, as `paved deploy` does')
    .addHelpText('after', '\nExamples:\n  paved deployment list --status awaiting_approval\n  paved deployment approve prod/shop#2 --follow')
    .action(async (refText: string, options: { follow?: boolean }, command: Command) => {
      const current = session(command);
      const id = await resolveId(current.client, deploymentRefOf(refText));
      const approved = checked(deploymentSchema, await current.client.request<unknown>('POST', `${API}/deployments/${encodeURIComponent(id)}/approve`));
      if (options.follow) {
        current.out.note(`Approved ${title(approved, false)}.`);
        return finish(current, await follow(current, approved));
      }
      if (current.out.json) return current.out.data(approved);
      current.out.line(`Approved ${title(approved, false)}: it is ${approved.status}.`);
      current.out.note(`Follow it with: paved deployment logs ${approved.id} --follow`);
    });

  deployment
    .command('reject')
    .description('reject a deployment waiting for an owner: it never runs')
    .argument('<deployment>', 'a deployment id, or ENV/WORKLOAD#N')
    .addHelpText('after', '\nExamples:\n  paved deployment reject prod/shop#2')
    .action(async (refText: string, _options: unknown, command: Command) => {
      const { out, client } = session(command);
      const id = await resolveId(client, deploymentRefOf(refText));
      const rejected = checked(deploymentSchema, await client.request<unknown>('POST', `${API}/deployments/${encodeURIComponent(id)}/reject`));
      if (out.json) return out.data(rejected);
      out.line(`Rejected ${title(rejected, false)}.`);
    });

  deployment
    .command('cancel')
    .description('stop a deployment that has not finished; what served before keeps serving')
    .argument('<deployment>', 'a deployment id, or ENV/WORKLOAD#N')
    .addHelpText('after', '\nExamples:\n  paved deployment cancel prod/shop#2')
    .action(async (refText: string, _options: unknown, command: Command) => {
      const { out, client } = session(command);
      const id = await resolveId(client, deploymentRefOf(refText));
      const cancelled = checked(deploymentSchema, await client.request<unknown>('POST', `${API}/deployments/${encodeURIComponent(id)}/cancel`));
      if (out.json) return out.data(cancelled);
      if (FINISHED.has(cancelled.status)) out.line(`Cancelled ${title(cancelled, false)}.`);
      else out.line(`Stopping ${title(cancelled, false)}: it fails as soon as its task stops, and what served before keeps serving.`);
    });

  const env = program.command('env').description('list environments, show what runs in one, create and delete environments on demand');

  env
    .command('list')
    .description('list the environments, long-lived first in promotion order: NAME, TYPE, RUNTIME, APPROVAL, PROMOTES TO, PREVIEW OF, EXPIRES')
    .addHelpText('after', '\nExamples:\n  paved env list\n  paved env list --json | jq -r ".items[].name"')
    .action(async (_options: unknown, command: Command) => {
      const { out, client } = session(command);
      const items = checked(z.object({ items: z.array(environmentSchema) }), await client.request<unknown>('GET', `${API}/environments`)).items;
      if (out.json) return out.data({ items });
      if (items.length === 0) return out.note('No environments.');
      out.table(
        ['NAME', 'TYPE', 'RUNTIME', 'APPROVAL', 'PROMOTES TO', 'PREVIEW OF', 'EXPIRES'],
        items.map((item) => [
          item.status === 'active' ? item.name : `${item.name} (${item.status})`,
          item.type,
          item.runtime,
          item.requiresApproval ? 'required' : undefined,
          item.promotesTo,
          item.preview ? `${item.preview.repository}@${item.preview.branch}` : undefined,
          item.expiresAt ? timeOf(item.expiresAt) : undefined,
        ]),
      );
    });

  env
    .command('show')
    .description('show an environment: its workloads (health, URL, deployment, time to provision) and resources (status, provisioner, outputs)')
    .argument('<name>', 'the environment, e.g. dev')
    .addHelpText('after', '\nExamples:\n  paved env show dev\n  paved env show prod --json | jq ".workloads[] | {workload, health: .instance.health}"')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { out, client } = session(command);
      const environment = checked(environmentDetailSchema, await client.request<unknown>('GET', `${API}/environments/${encodeURIComponent(name)}`));
      if (out.json) return out.data(environment);
      out.line(`Environment ${environment.name}: ${describeEnvironment(environment)}`);
      out.line();
      if (environment.workloads.length === 0) out.line('No workloads.');
      else {
        out.line('Workloads');
        out.table(
          ['WORKLOAD', 'HEALTH', 'URL', 'DEPLOYMENT', 'COMMIT', 'PROVISIONED IN', 'RESTARTS'],
          environment.workloads.map((item) => [
            item.workload,
            item.instance?.health ?? 'not running',
            item.instance?.url,
            `#${item.deployment.number}`,
            item.deployment.commit.slice(0, 12),
            durationText(item.timeToProvisionMs),
            item.instance ? item.instance.containers.reduce((sum, container) => sum + container.restarts, 0) : undefined,
          ]),
        );
      }
      out.line();
      if (environment.resources.length === 0) return out.line('No resources.');
      out.line('Resources');
      out.table(
        ['KEY', 'WORKLOAD', 'TYPE', 'CLASS', 'STATUS', 'PROVISIONER', 'TIME', 'OUTPUTS'],
        environment.resources.map((item) => [item.key, item.workload, item.type, item.class, item.status, item.provisioner, durationText(item.provisionMs), outputsText(item.outputs)]),
      );
      for (const item of environment.resources.filter((resource) => resource.error)) out.line(`${item.key}: ${item.error}`);
    });

  env
    .command('create')
    .description('create an environment on demand (a test bed, a demo); who creates it may delete it')
    .argument('<name>', 'lower-case letters, digits and -, at most 31, starting with a letter')
    .requiredOption('--type <type>', 'an environment type of the configuration (delivery.environmentTypes), e.g. development')
    .option('--ttl-hours <n>', 'remove it by itself after N hours (at most 2160)', hoursOf)
    .addHelpText('after', '\nExamples:\n  paved env create demo-acme --type development --ttl-hours 48\n  paved env create qa --type staging --json')
    .action(async (name: string, options: { type: string; ttlHours?: number }, command: Command) => {
      const { out, client } = session(command);
      const created = checked(environmentSchema, await client.request<unknown>('POST', `${API}/environments`, { json: { name, type: options.type, ...(options.ttlHours ? { ttlHours: options.ttlHours } : {}) } }));
      if (out.json) return out.data(created);
      out.line(`Created environment ${created.name}: ${describeEnvironment(created)}`);
    });

  env
    .command('delete')
    .description('remove an environment made on demand: its workloads stop and its resources are deprovisioned (a task)')
    .argument('<name>', 'the environment')
    .addHelpText('after', '\nLong-lived environments come from the configuration (delivery.environments) and are removed there.\n\nExamples:\n  paved env delete demo-acme')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { out, client } = session(command);
      const { taskId } = checked(z.looseObject({ taskId: z.string() }), await client.request<unknown>('DELETE', `${API}/environments/${encodeURIComponent(name)}`));
      if (out.json) return out.data({ environment: name, taskId });
      out.line(`Removing environment ${name}: task ${taskId}`);
    });

  const workload = program.command('workload').description("a running workload's output; taking it out of an environment");

  workload
    .command('logs')
    .description("print a running workload's recent output (stdout, stderr, restarts), or with --follow stream it until Ctrl-C")
    .argument('<workload>', "the workload (its score.yaml's metadata.name)")
    .requiredOption('-e, --env <environment>', 'the environment it runs in')
    .option('-f, --follow', 'keep streaming new output until Ctrl-C')
    .option('-t, --timestamps', 'start each line with the time it was written')
    .addHelpText(
      'after',
      '\nEach line is prefixed with its container ([web]); lines on stderr with [web stderr], and what Paved\nsays about the process (exits, restarts) with [web paved]. With --json: {"items": [line...]}, or with\n--follow one JSON line per output line.\n\nExamples:\n  paved workload logs shop --env dev\n  paved workload logs shop --env dev --follow --timestamps',
    )
    .action(async (name: string, options: { env: string; follow?: boolean; timestamps?: boolean }, command: Command) => {
      const current = session(command);
      const { out, client } = current;
      const logsPath = `${API}/environments/${encodeURIComponent(options.env)}/workloads/${encodeURIComponent(name)}/logs`;
      const show = (line: OutputLine) => (out.json ? out.line(JSON.stringify(line)) : out.line(outputText(line, options.timestamps === true)));
      if (!options.follow) {
        const items = checked(z.object({ items: z.array(outputLineSchema) }), await client.request<unknown>('GET', logsPath)).items;
        if (out.json) return out.data({ items });
        if (items.length === 0) out.note(`${name} in ${options.env} has written nothing yet.`);
        for (const line of items) show(line);
        return;
      }
      const url = `${client.baseUrl}${logsPath}?follow=true`;
      out.debug(`GET ${url}`);
      let response: Response;
      try {
        response = await fetch(url, { headers: { authorization: `Bearer ${current.token}`, accept: 'text/event-stream' } });
      } catch {
        // The client says why the server cannot be reached, as for every other command.
        await client.request<unknown>('GET', logsPath);
        throw new CliError(`Cannot stream the output of ${name} in ${options.env}`, 1, [], { code: 'cli.unreachable' });
      }
      if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        await response.body?.cancel();
        // The same request without follow gets the server's error (no token, 403, not running) read as usual.
        await client.request<unknown>('GET', logsPath);
        throw new CliError(`The server did not stream the output of ${name} in ${options.env} (HTTP ${response.status})`, 1, ['`paved workload logs` without --follow prints what it has.'], { code: 'cli.no_stream' });
      }
      try {
        for await (const message of sseMessages(response.body)) {
          if (message.event === 'line') show(checked(outputLineSchema, jsonOf(message.data)));
        }
      } catch (error) {
        if (error instanceof CliError) throw error;
        out.debug(`the stream broke: ${(error as Error).message}`);
      }
      throw new CliError(`The server ended the output stream of ${name} in ${options.env}`, 1, ['Paved may have restarted; run the command again to carry on.'], { code: 'cli.stream_ended' });
    });

  workload
    .command('remove')
    .description('take a workload out of an environment: it stops, and the resources that are its own are deprovisioned (a task)')
    .argument('<workload>', "the workload (its score.yaml's metadata.name)")
    .requiredOption('-e, --env <environment>', 'the environment')
    .addHelpText('after', '\nShared resources (those with an id) stay for the other workloads; the deployment history stays.\n\nExamples:\n  paved workload remove shop --env staging')
    .action(async (name: string, options: { env: string }, command: Command) => {
      const { out, client } = session(command);
      const path = `${API}/environments/${encodeURIComponent(options.env)}/workloads/${encodeURIComponent(name)}`;
      const { taskId } = checked(z.looseObject({ taskId: z.string() }), await client.request<unknown>('DELETE', path));
      if (out.json) return out.data({ environment: options.env, workload: name, taskId });
      out.line(`Removing ${name} from ${options.env}: task ${taskId}`);
    });
}

/**
 * After a deployment was asked for (deploy, promote, rollback): waits for an approval (said how
 * to give), returns at once with --no-follow, or follows it to its end.
 */
async function started(current: Session, deployment: Deployment, followIt: boolean): Promise<void> {
  const { out } = current;
  if (deployment.status === 'awaiting_approval') {
    if (out.json) return out.data(deployment);
    out.line(`${title(deployment)} (${deployment.commit.slice(0, 12)}) awaits the approval of another owner of ${deployment.repository}: ${deployment.id}`);
    out.line(`Approve it with: paved deployment approve ${deployment.id}`);
    out.line(`Reject it with:  paved deployment reject ${deployment.id}`);
    return;
  }
  if (!followIt) return out.json ? out.data(deployment) : out.line(`${title(deployment)} (${deployment.commit.slice(0, 12)}, ${deployment.reason}) is ${deployment.status}: ${deployment.id}`);
  out.note(`${title(deployment)} (${deployment.repository} ${deployment.commit.slice(0, 12)}, ${deployment.reason}): ${deployment.id}`);
  await finish(current, await follow(current, deployment));
}

/** The summary of a finished deployment: a line with its URL if it succeeded, else an error, exit 1. */
async function finish(current: Session, deployment: Deployment): Promise<void> {
  const { out } = current;
  if (out.json) out.data(deployment);
  if (deployment.status === 'succeeded') {
    if (out.json) return;
    const url = await urlOf(current.client, deployment);
    return out.line(`${title(deployment)} succeeded in ${durationText(deployment.timeToReadyMs) ?? '?'}${url ? `: ${url}` : ''}`);
  }
  const summary =
    deployment.status === 'rejected'
      ? `${title(deployment)} was rejected${deployment.approvedBy ? ` by ${deployment.approvedBy}` : ''}`
      : `${title(deployment)} ${deployment.status}${deployment.error ? `: ${deployment.error.split('\n')[0]}` : ''}`;
  // An error's further lines (a process's last output) go under the summary, indented as the CLI's error lines are.
  const lines = [...(deployment.error?.split('\n').slice(1) ?? []), ...(deployment.rolledBack ? [ROLLED_BACK] : [])];
  throw new CliError(summary, 1, lines, { code: `delivery.deployment_${deployment.status}`, deploymentId: deployment.id, rolledBack: deployment.rolledBack });
}

/** Where the workload answers now, if its runtime serves it (the local runtime's router); never fails the command. */
async function urlOf(client: ApiClient, deployment: Deployment): Promise<string | undefined> {
  try {
    const answer = await client.request<unknown>('GET', `${API}/workloads`, { query: { environment: deployment.environment } });
    const items = checked(z.object({ items: z.array(workloadSchema) }), answer).items;
    return items.find((item) => item.workload === deployment.workload && item.deployment.id === deployment.id)?.instance?.url;
  } catch {
    return undefined;
  }
}

/**
 * Prints a deployment's log as it comes and returns the deployment once it has ended: the event
 * stream, reconnecting after the last line seen when it drops; polling when the stream cannot be
 * had (a proxy that refuses it, or a deployment with no task yet: one awaiting approval).
 */
async function follow(current: Session, deployment: Deployment): Promise<Deployment> {
  const { out, client } = current;
  let after = 0;
  const show = (line: LogLine) => {
    if (line.seq <= after) return;
    after = line.seq;
    if (!out.json) out.line(lineText(line));
  };
  let ended: Deployment | undefined;
  const streamed = await readEventStream({
    url: `${client.baseUrl}${API}/deployments/${encodeURIComponent(deployment.id)}/events`,
    token: current.token,
    out,
    unit: 'line',
    lastEventId: () => after,
    onMessage: async (message) => {
      if (message.event === 'completion') {
        // The lines of the last moments, should the stream have skipped any.
        for (const line of await getLogs(client, deployment.id, after)) show(line);
        ended = checked(deploymentSchema, jsonOf(message.data));
      } else if (message.event === 'log') show(checked(logLineSchema, jsonOf(message.data)));
      return ended !== undefined;
    },
    lost: () =>
      new CliError(`Lost the connection to ${client.baseUrl} while following ${title(deployment, false)}`, 1, [`The deployment goes on on the server; \`paved deployment logs ${deployment.id} --follow\` picks it up again.`], {
        code: 'cli.unreachable',
        deploymentId: deployment.id,
      }),
  });
  if (streamed && ended) return ended;
  let waiting = false;
  for (;;) {
    // The status first: a deployment that had ended then has all its lines in the log read after it.
    const latest = await getDeployment(client, deployment.id);
    for (const line of await getLogs(client, deployment.id, after)) show(line);
    if (FINISHED.has(latest.status)) return latest;
    if (latest.status === 'awaiting_approval' && !waiting) {
      waiting = true;
      out.note(`${title(latest)} awaits approval (paved deployment approve ${latest.id}); waiting…`);
    }
    await sleep(latest.status === 'awaiting_approval' ? 2_000 : 500);
  }
}

async function getDeployment(client: ApiClient, id: string): Promise<Deployment> {
  return checked(deploymentSchema, await client.request<unknown>('GET', `${API}/deployments/${encodeURIComponent(id)}`));
}

async function getLogs(client: ApiClient, id: string, after: number): Promise<LogLine[]> {
  const answer = await client.request<unknown>('GET', `${API}/deployments/${encodeURIComponent(id)}/logs`, { query: { after } });
  return checked(z.object({ items: z.array(logLineSchema) }), answer).items;
}

type DeploymentRef = { id: string } | { environment: string; workload: string; number: number; text: string };

/** A deployment id, or `dev/shop#3`; any other form is a usage error. */
function deploymentRefOf(text: string): DeploymentRef {
  const numbered = /^([^/#\s]+)\/([^/#\s]+)#(\d+)$/.exec(text);
  if (numbered) return { environment: numbered[1]!, workload: numbered[2]!, number: Number(numbered[3]), text };
  if (/[/#\s]/.test(text) || text === '') {
    throw new UsageError(`"${text}" is not a deployment`, ['Write a deployment id, or ENV/WORKLOAD#N for deployment number N of a workload in an environment, e.g. dev/shop#3.']);
  }
  return { id: text };
}

async function findDeployment(client: ApiClient, ref: DeploymentRef): Promise<Deployment> {
  if ('id' in ref) return getDeployment(client, ref.id);
  // The list has no lookup by number: the latest 500 deployments of the workload there are searched.
  const answer = await client.request<unknown>('GET', `${API}/deployments`, { query: { workload: ref.workload, environment: ref.environment, limit: 500 } });
  const found = checked(z.object({ items: z.array(deploymentSchema) }), answer).items.find((item) => item.number === ref.number);
  if (!found) {
    throw new CliError(`No deployment ${ref.text} among the latest 500 deployments of ${ref.workload} in ${ref.environment}`, 1, [`\`paved deployment list --workload ${ref.workload} --env ${ref.environment}\` lists them.`], {
      code: 'delivery.deployment_not_found',
    });
  }
  return found;
}

async function resolveId(client: ApiClient, ref: DeploymentRef): Promise<string> {
  return 'id' in ref ? ref.id : (await findDeployment(client, ref)).id;
}

/** `team-a/shop`; any other form is a usage error (and `paved deploy list` is pointed at `paved deployment list`). */
function repoOf(text: string): string {
  if (/^[^/#\s]+\/[^/#\s]+$/.test(text)) return text;
  const lines = ['Write namespace/name, e.g. team-a/shop.'];
  if (DEPLOYMENT_COMMANDS.includes(text)) lines.unshift(`To ${text === 'list' || text === 'show' || text === 'logs' ? `${text} deployments` : `${text} a deployment`}, use \`paved deployment ${text}\`.`);
  throw new UsageError(`"${text}" is not a repository`, lines);
}

function hoursOf(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 24 * 90) throw new InvalidArgumentError('must be a number of hours above 0, at most 2160 (90 days).');
  return number;
}

/** `Deployment #3 of shop to dev`, or in the middle of a sentence `deployment #3 of shop to dev`. */
function title(deployment: Deployment, first = true): string {
  return `${first ? 'D' : 'd'}eployment #${deployment.number} of ${deployment.workload} to ${deployment.environment}`;
}

/** A log line with its step (`[provision]`, `[release]`), as pipeline logs show their job. */
function lineText(line: LogLine): string {
  return line.stepId ? `[${line.stepId}] ${line.message}` : line.message;
}

function describeEnvironment(environment: Environment): string {
  return [
    `type ${environment.type}`,
    `runtime ${environment.runtime}`,
    environment.requiresApproval ? 'deployments need the approval of another owner' : 'no approval needed',
    environment.promotesTo ? `promotes to ${environment.promotesTo}` : undefined,
    environment.preview ? `preview of ${environment.preview.repository}@${environment.preview.branch}` : undefined,
    environment.expiresAt ? `expires ${timeOf(environment.expiresAt)}` : undefined,
    environment.status === 'active' ? undefined : environment.status,
  ]
    .filter(Boolean)
    .join(', ');
}

/** A deployment for people: what, where, who, when, and the resources it used. */
function printDeployment(out: Output, deployment: Deployment): void {
  out.line(`${title(deployment)}: ${deployment.status}`);
  const fields: [string, string | null | undefined][] = [
    ['id', deployment.id],
    ['repository', deployment.repository],
    ['commit', deployment.commit],
    ['component', deployment.componentRef],
    ['reason', `${deployment.reason}${deployment.sourceDeploymentId ? ` (from ${deployment.sourceDeploymentId})` : ''}`],
    ['requested', `${timeOf(deployment.createdAt)} by ${deployment.createdBy}${deployment.requestedBy && deployment.requestedBy !== deployment.createdBy ? ` for ${deployment.requestedBy}` : ''}`],
    [deployment.status === 'rejected' ? 'rejected by' : 'approved by', deployment.approvedBy],
    ['started', deployment.startedAt && timeOf(deployment.startedAt)],
    ['finished', deployment.finishedAt && timeOf(deployment.finishedAt)],
    ['time to ready', durationText(deployment.timeToReadyMs)],
    ['error', deployment.error],
  ];
  const shown = fields.filter((field): field is [string, string] => typeof field[1] === 'string' && field[1] !== '');
  const width = Math.max(...shown.map(([name]) => name.length)) + 1;
  // A value of several lines (an error with a process's last output) goes on under its first.
  for (const [name, value] of shown) out.line(`${`${name}:`.padEnd(width)} ${value.split('\n').join(`\n${' '.repeat(width + 1)}`)}`);
  if (deployment.rolledBack) out.line(ROLLED_BACK);
  if (deployment.commits.length > 0) {
    out.line('new commits:');
    for (const commit of deployment.commits) out.line(`  ${commit.sha.slice(0, 12)}  ${timeOf(commit.at)}`);
  }
  const resources = Object.entries(deployment.resources);
  if (resources.length === 0) return;
  out.line('resources:');
  for (const [name, resource] of resources) {
    out.line(`  ${name}: ${resource.type} (class ${resource.class}), provisioner ${resource.provisioner}${typeof resource.provisionMs === 'number' ? `, ${durationText(resource.provisionMs)}` : ''}`);
    for (const [output, value] of Object.entries(resource.outputs)) out.line(`    ${output}: ${valueText(value)}`);
  }
}

function outputText(line: OutputLine, timestamps: boolean): string {
  const where = line.stream === 'stdout' ? line.container : `${line.container} ${line.stream}`;
  return `${timestamps ? `${timeOf(line.at)} ` : ''}[${where}] ${line.text}`;
}

function outputsText(outputs: Record<string, unknown>): string | undefined {
  const entries = Object.entries(outputs);
  return entries.length === 0 ? undefined : entries.map(([name, value]) => `${name}=${valueText(value)}`).join(' ');
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `user:default/ada` → `ada`; other refs stay whole. */
function shortRef(ref: string): string {
  return ref.replace(/^user:default\//, '');
}

