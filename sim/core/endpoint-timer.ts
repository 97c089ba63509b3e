/**
 * Drives a portable Endpoint's poll() from the simulator's scheduler: one event armed at the
 * endpoint's next deadline, re-armed after every poll and every send. Shared by the simulated
 * devices and the AS.
 */
import type { Endpoint } from '../../device/coap/endpoint.ts';
import type { SimEvent } from './scheduler.ts';
import type { Sim } from './sim.ts';

export class EndpointTimer {
  private event: SimEvent | null = null;
  private at = Infinity;

  constructor(private readonly sim: Sim, private readonly endpoint: () => Endpoint | undefined) {}

  /** Arms (or re-arms) the event at the endpoint's next deadline. */
  arm(): void {
    const endpoint = this.endpoint();
    if (endpoint === undefined) return;
    const at = endpoint.nextDeadline();
    if (at === this.at) return;
    this.cancel();
    this.at = at;
    if (at === Infinity) return;
    this.event = this.sim.scheduler.at(at, () => {
      this.event = null;
      this.at = Infinity;
      endpoint.poll();
      this.arm();
    }, false);
  }

  cancel(): void {
    this.sim.scheduler.cancel(this.event);
    this.event = null;
    this.at = Infinity;
  }
}
