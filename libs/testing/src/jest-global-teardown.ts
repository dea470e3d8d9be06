import { leaveRunTemp } from './test-temp';

/** Jest's globalTeardown for every project (jest.preset.js): the run's temporary directory goes (test-temp.ts). */
// eslint-disable-next-line no-restricted-syntax -- Jest takes a globalTeardown module's default export
export default function globalTeardown(): void {
  leaveRunTemp();
}
