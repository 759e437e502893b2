/** `npm run bench -- [options]`: the bench as a command. */
import { runBench } from './cli';

runBench(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
