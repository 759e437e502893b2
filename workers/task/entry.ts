/** The file a task process runs (ROLES.task.entry in shared/process-roles.ts). */
import { runTaskProcess } from './task-process';

runTaskProcess();
