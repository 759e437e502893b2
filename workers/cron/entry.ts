/** The file the cron process runs (ROLES.cron.entry in server/cluster/roles.ts). */
import { runCronProcess } from './cron-process';

runCronProcess();
