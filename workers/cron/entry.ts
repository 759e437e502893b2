/** The file the cron process runs (ROLES.cron.entry in shared/process-roles.ts). */
import { runCronProcess } from './cron-process';

runCronProcess();
