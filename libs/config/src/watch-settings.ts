import { setting } from './load-config';
import { intIn } from './common-settings';

/** Caps on the gateway's watch streams (WatchJob, WatchWorkflow): each holds a JetStream consumer. */
export const watchSettings = {
  watchMaxStreamsPerClient: setting(
    'CAIRN_WATCH_MAX_STREAMS_PER_CLIENT',
    intIn(1, 1_000_000, 64),
    'most watch streams one client (an authenticated person; else a peer address) may hold open at once',
  ),
  watchMaxStreams: setting('CAIRN_WATCH_MAX_STREAMS', intIn(1, 1_000_000, 1024), 'most watch streams the gateway holds open at once, all clients together'),
};
