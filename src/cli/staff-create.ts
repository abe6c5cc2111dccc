import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { writeAudit } from '../db/audit.js';
import { createStaffAccount, StaffInputError } from '../staff/accounts.js';
import { ensureDefaultCommune, createCommuneDirectory } from '../wiring/communes.js';

/**
 * `npm run staff:create -- --username <name> --password <password> --role admin [--commune <slug>] [--name "Họ tên"] [--province]`
 *
 * Creates a staff account, typically the first admin, who then adds the others
 * in the console. Without `--password` the password is read from standard
 * input (`echo "$PW" | npm run staff:create -- --username an --role admin`), so
 * it does not stay in the shell history. Without `--commune` the account
 * belongs to the configured commune (COMMUNE_SLUG); `--province` makes a
 * province administrator who sees every commune. Works on the embedded
 * database while the server is stopped, and on PostgreSQL at any time.
 */
const USAGE =
  'Usage: npm run staff:create -- --username <name> [--password <password> | password on standard input] ' +
  '--role admin|officer|registrar|leader [--commune <slug> | --province] [--name "Họ tên"]';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      commune: { type: 'string' },
      name: { type: 'string' },
      province: { type: 'boolean' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const username = values.username as string | undefined;
const role = values.role as string | undefined;
if (!username || !role) {
  console.error(USAGE);
  process.exit(2);
}
if (values.province && role !== 'admin') {
  console.error('A province administrator (--province) must have --role admin.');
  process.exit(2);
}
const password = (values.password as string | undefined) ?? (await readStdin());
if (!password) {
  console.error(`No password given (--password, or one line on standard input).\n${USAGE}`);
  process.exit(2);
}

const config = loadConfig();
const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
let exitCode = 0;
try {
  await database.migrate();
  const fallback = await ensureDefaultCommune(database, config);
  let communeId: number | null = fallback.id;
  if (values.province) communeId = null;
  else if (values.commune) {
    const c = await createCommuneDirectory(database).bySlug(values.commune as string);
    if (!c) throw new StaffInputError(`No commune with the slug "${values.commune}".`, 'commune');
    communeId = c.id;
  }
  const account = await createStaffAccount(database.db, {
    username,
    password,
    role,
    displayName: values.name as string | undefined,
    communeId,
  });
  await writeAudit(database.db, {
    communeId,
    actor: 'cli',
    action: 'staff.created',
    subject: account.username,
    details: { role },
  });
  console.log(
    `Staff account "${account.username}" (${account.role}) created for ${communeId === null ? 'every commune (province administrator)' : `commune #${communeId}`}. Sign in at /console.`,
  );
} catch (error) {
  if (error instanceof StaffInputError) {
    console.error(`${error.field}: ${error.message}`);
    exitCode = 1;
  } else throw error;
} finally {
  await database.close();
}
process.exit(exitCode);
