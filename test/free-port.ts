import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on now, chosen by the system (bind to port 0). Tests
 * that start a real server use it instead of a random number in a range: on the CI machine MariaDB
 * listens on 3306, Redis on 6379 and so on, and a guessed port once landed on 3306.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
