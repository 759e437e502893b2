/** The file a task process runs (ROLES.task.entry in server/cluster/roles.ts). */
import { runTaskProcess } from './task-process';

runTaskProcess();
