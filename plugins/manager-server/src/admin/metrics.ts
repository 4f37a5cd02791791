import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ManagerSnapshot } from '@pinhole/core';
import { SETUP_BUCKETS_MS } from '../monitor/monitor';

/**
 * /metrics in the Prometheus text format (prom-client), one registry per manager: gauges and
 * counters are read from the monitor's snapshot at scrape time; setup times are observed as
 * calls report them (`observeSetup`).
 */
export class ManagerMetrics {
  readonly registry = new Registry();
  private readonly setup: Histogram;

  constructor(snapshot: () => ManagerSnapshot) {
    const r = [this.registry];
    let current: ManagerSnapshot | undefined;
    // One snapshot per scrape, shared by every collector.
    const snap = () => (current ??= snapshot());
    const counter = (name: string, help: string, value: (s: ManagerSnapshot) => number) =>
      new Counter({ name, help, registers: r, collect() { this.reset(); this.inc(value(snap())); } });
    new Gauge({ name: 'pinhole_manager_peers', help: 'peers registered on this manager node', registers: r, collect() { current = undefined; this.set(snap().peers.length); } });
    new Gauge({
      name: 'pinhole_manager_calls',
      help: 'calls set up through this node, by state (opening: waiting for the callee\'s window; active)',
      labelNames: ['state'],
      registers: r,
      collect() {
        const calls = snap().calls;
        for (const state of ['opening', 'active']) this.set({ state }, calls.filter((c) => c.state === state).length);
      },
    });
    new Gauge({ name: 'pinhole_manager_directory_up', help: '1 while this node reaches its directory, 0 during an outage', registers: r, collect() { this.set(snap().directoryHealth.up ? 1 : 0); } });
    counter('pinhole_manager_directory_outages_total', 'directory outages this node went through', (s) => s.directoryHealth.outages);
    counter('pinhole_manager_directory_failed_ops_total', 'directory operations that failed for an outage', (s) => s.directoryHealth.failedOps);
    counter('pinhole_manager_connections_total', 'control connections accepted', (s) => s.counters.connections);
    counter('pinhole_manager_registrations_total', 'registrations admitted', (s) => s.counters.registrations);
    counter('pinhole_manager_call_requests_total', 'CallRequests received', (s) => s.counters.callRequests);
    counter('pinhole_manager_calls_established_total', 'calls whose callee opened its window', (s) => s.counters.callsEstablished);
    counter('pinhole_manager_stun_requests_total', 'STUN Binding requests answered or refused', (s) => s.counters.stunRequests);
    counter('pinhole_manager_stun_probes_total', 'STUN probes tied to a registered peer (its reflexive address learned)', (s) => s.counters.stunProbes);
    counter('pinhole_manager_stun_dropped_total', 'UDP datagrams on the STUN port that were not a well-formed Binding request', (s) => s.counters.stunDropped);
    new Counter({
      name: 'pinhole_manager_refusals_total',
      help: 'calls and registrations refused, by error code',
      labelNames: ['code'],
      registers: r,
      collect() {
        this.reset();
        for (const [code, n] of Object.entries(snap().counters.refusals)) this.inc({ code }, n);
      },
    });
    this.setup = new Histogram({
      name: 'pinhole_manager_call_setup_seconds',
      help: 'call setup time: the caller\'s report (CallRequest to its first answered probe), else CallRequest to Ready at the manager',
      buckets: SETUP_BUCKETS_MS.map((ms) => ms / 1000),
      registers: r,
    });
  }

  observeSetup(ms: number): void {
    this.setup.observe(ms / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
