import test from 'ava';
import fc from 'fast-check';
import { Endpoint } from '../../device/coap/endpoint.ts';
import { Site, makeResponse, simpleResource } from '../../device/coap/site.ts';
import { FakeTransport, fixedRandom, opt, request } from './helpers.ts';

function server() {
  const site = new Site({ blockSize: 16, maxObservers: 4 });
  site.add('/a', simpleResource({ observable: true, get: () => makeResponse(0x45, 'a'.repeat(100)) }));
  site.add('/late', simpleResource({ get: () => null }));
  const transport = new FakeTransport();
  const endpoint = new Endpoint(site, transport, { randomBytes: fixedRandom(), dedupCapacity: 8, maxExchanges: 4 });
  return { site, transport, endpoint };
}

const seeds = [
  request(0, 1, 1, [1], [opt(6, []), opt(11, 'a')]),
  request(1, 1, 2, [2], [opt(11, 'a'), opt(23, [0x12])]),
  request(0, 1, 3, [3], [opt(11, 'late')]),
  request(0, 2, 4, [4, 4], [opt(11, '.well-known'), opt(11, 'core')], new Uint8Array([1, 2])),
  new Uint8Array([0x60, 0, 0, 1]),
  new Uint8Array([0x70, 0, 0, 2]),
];

test('the endpoint and Site never throw on any datagram, and stay within their bounds', (t) => {
  const datagram = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.record({ seed: fc.integer({ min: 0, max: seeds.length - 1 }), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }).map((m) => {
      const b = seeds[m.seed].slice();
      if (b.length > 0) b[m.at % b.length] = m.value;
      return b;
    }),
  );
  const step = fc.record({ bytes: datagram, peer: fc.constantFrom('p1', 'p2'), advance: fc.integer({ min: 0, max: 5000 }), change: fc.boolean() });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const s = server();
      for (const st of steps) {
        s.transport.t += st.advance;
        s.endpoint.receive(st.bytes, st.peer);
        s.endpoint.poll();
        if (st.change) s.site.changed('/a');
        if (s.endpoint.pendingExchanges > 4 || s.site.observerCountOf() > 4) return false;
      }
      // nothing in flight: what is left are the observations, the same ones on both sides
      s.transport.t += 1e6;
      s.endpoint.poll();
      if (s.endpoint.pendingExchanges !== s.site.observerCountOf()) return false;
      // a notification nobody acknowledges ends every observation (RFC 7641 §4.5)
      s.site.changed('/a');
      for (let i = 0; i < 10; i++) {
        s.transport.t += 1e5;
        s.endpoint.poll();
      }
      return s.endpoint.pendingExchanges === 0 && s.site.observerCountOf() === 0;
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
