import { runCli } from '@cairn/cli-commands';

// grpc-js hands TLS the gateway's host as server name; for an IP address (127.0.0.1:50051)
// Node warns (DEP0123) on every call, which tells a person nothing: that one warning is not
// shown, every other still is.
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.code !== 'DEP0123') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
