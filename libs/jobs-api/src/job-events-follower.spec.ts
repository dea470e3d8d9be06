import { Events, type Status } from 'nats';
import type { JobEvent } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { acceptedJobRecord, principals, waitFor } from '@cairn/testing';
import { followJobEvents } from './job-events-follower';
import { JobReadModel } from './job-read-model';

const JOB = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
const record = acceptedJobRecord(JOB);
const pending: JobEvent = { jobId: JOB, sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '7', reason: '', time: '2026-12-02T05:00:01.000Z' };

/** A channel a test pushes into and a for-await reads from; `end()` finishes it. */
class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting?: () => void;
  private ended = false;
  push(item: T): void {
    this.items.push(item);
    this.waiting?.();
  }
  end(): void {
    this.ended = true;
    this.waiting?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}

/** A NATS connection (its status and closed flag only) and a JetStream whose subscriptions the test drives. */
function stage() {
  const statuses = new Channel<Status>();
  let closed = false;
  const subscriptions: { messages: Channel<unknown>; stopped: boolean }[] = [];
  let release: (() => void) | undefined;
  let held = false;
  const nats = { status: () => statuses, isClosed: () => closed };
  const jetstream = {
    followNew: async () => {
      if (held) await new Promise<void>((resolve) => (release = resolve));
      const sub = { messages: new Channel<unknown>(), stopped: false };
      subscriptions.push(sub);
      return {
        messages: sub.messages,
        stop: () => {
          sub.stopped = true;
          sub.messages.end();
          return Promise.resolve();
        },
      };
    },
  };
  return {
    nats,
    jetstream,
    statuses,
    subscriptions,
    hold: () => (held = true),
    release: () => {
      held = false;
      release?.();
    },
    close: () => {
      closed = true;
      statuses.end();
      for (const sub of subscriptions) sub.messages.end();
    },
  };
}

const quiet = createLogger('test', 'silent');
const known = (model: JobReadModel) => (model.read(JOB, principals.alice) ? true : undefined);

describe('followJobEvents', () => {
  it('lets the model answer only once the subscription exists, and applies its events', async () => {
    const s = stage();
    s.hold();
    const model = new JobReadModel();
    followJobEvents(model, s.nats, s.jetstream, quiet);
    model.remember(record, model.mark());
    expect(model.read(JOB, principals.alice)).toBeUndefined();
    s.release();
    await waitFor('the subscription', async () => (s.subscriptions.length === 1 ? true : undefined));
    model.remember(record, model.mark());
    expect(model.read(JOB, principals.alice)?.state).toBe('ACCEPTED');
    s.subscriptions[0]?.messages.push(pending);
    await waitFor('the change applied', async () => (model.read(JOB, principals.alice)?.state === 'PENDING' ? true : undefined));
    s.close();
  });

  it('forgets everything when the subscription ends, and subscribes again', async () => {
    const s = stage();
    const model = new JobReadModel();
    followJobEvents(model, s.nats, s.jetstream, quiet);
    await waitFor('the subscription', async () => (s.subscriptions.length === 1 ? true : undefined));
    model.remember(record, model.mark());
    await waitFor('the record held', async () => known(model));
    s.subscriptions[0]?.messages.end();
    await waitFor('the model forgetting', async () => (known(model) ? undefined : true));
    await waitFor('a new subscription', async () => (s.subscriptions.length === 2 ? true : undefined));
    model.remember(record, model.mark());
    expect(known(model)).toBe(true);
    s.close();
  });

  it('forgets everything on an event it cannot read (it may have missed a change), and subscribes again', async () => {
    const s = stage();
    const model = new JobReadModel();
    followJobEvents(model, s.nats, s.jetstream, quiet);
    await waitFor('the subscription', async () => (s.subscriptions.length === 1 ? true : undefined));
    model.remember(record, model.mark());
    s.subscriptions[0]?.messages.push({ jobId: JOB, sequence: 'two' });
    await waitFor('the model forgetting', async () => (known(model) ? undefined : true));
    expect(s.subscriptions[0]?.stopped).toBe(true);
    await waitFor('a new subscription', async () => (s.subscriptions.length === 2 ? true : undefined));
    s.close();
  });

  it('forgets everything as soon as the NATS connection drops, and stops the subscription', async () => {
    const s = stage();
    const model = new JobReadModel();
    followJobEvents(model, s.nats, s.jetstream, quiet);
    await waitFor('the subscription', async () => (s.subscriptions.length === 1 ? true : undefined));
    model.remember(record, model.mark());
    s.statuses.push({ type: Events.Disconnect, data: 'nats://127.0.0.1:4222' });
    await waitFor('the model forgetting', async () => (known(model) ? undefined : true));
    expect(s.subscriptions[0]?.stopped).toBe(true);
    s.close();
  });

  it('stops following once the connection is closed', async () => {
    const s = stage();
    const model = new JobReadModel();
    followJobEvents(model, s.nats, s.jetstream, quiet);
    await waitFor('the subscription', async () => (s.subscriptions.length === 1 ? true : undefined));
    s.close();
    await waitFor('the model closed', async () => {
      model.remember(record, model.mark());
      return known(model) ? undefined : true;
    });
    // Past the resubscribe delay, nothing subscribed again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(s.subscriptions).toHaveLength(1);
  });
});
