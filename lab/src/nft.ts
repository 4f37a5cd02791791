/**
 * nftables ruleset of a site router. Named counters let tests prove where a packet died:
 *   fwd_drop  – new connection from the WAN dropped by the stateful forward filter
 *   in_drop   – unsolicited packet from the WAN to the router itself
 *   loss_drop – packets discarded by the simulated random loss
 */
import { SiteKind } from './types';

export const NFT_TABLE = 'pinhole';
export const COUNTERS = ['fwd_drop', 'in_drop', 'loss_drop', 'udp_drop'] as const;

/** The simulated loss: one random draw per forwarded packet, first in the forward chain. */
export const lossRule = (perMille: number): string => `numgen random mod 1000 < ${perMille} counter name loss_drop drop`;

/**
 * An nft script that replaces the loss rule of a live ruleset (`chain` is `nft -a -j list chain
 * ip pinhole forward`): deletes it by handle and inserts the new one at the head, in one transaction.
 */
export function setLossScript(chain: string, perMille: number): string {
  const items = (JSON.parse(chain) as { nftables: Array<{ rule?: { handle: number; expr: unknown[] } }> }).nftables;
  const handles = items.filter((i) => i.rule?.expr.some((e) => JSON.stringify(e).includes('"numgen"'))).map((i) => i.rule!.handle);
  return [
    ...handles.map((h) => `delete rule ip ${NFT_TABLE} forward handle ${h}`),
    ...(perMille > 0 ? [`insert rule ip ${NFT_TABLE} forward ${lossRule(perMille)}`] : []),
    '',
  ].join('\n');
}

/**
 * The router's table for one family: `ip`, or `ip6` (with IPv6 on). IPv6 is never NATed, and its
 * input chain lets neighbour discovery through (without it IPv6 has no link layer).
 */
export function routerRuleset(kind: SiteKind, lossPerMille: number, family: 'ip' | 'ip6' = 'ip'): string {
  const stateful = kind !== 'open';
  const lines = [
    `table ${family} ${NFT_TABLE} {`,
    ...COUNTERS.map((c) => `  counter ${c} {}`),
    // Without this an unsolicited packet to the router's own address:port gets a conntrack
    // entry, and port-preserving masquerade must then pick another port for a LAN flow
    // that wants the same public port (the NAT would look port-randomising).
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    '    iif "lo" accept',
    '    ct state established,related accept',
    ...(family === 'ip6' ? ['    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept'] : []),
    `    iifname "wan" counter name in_drop drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    // Loss first, so it hits both directions and established flows alike.
    ...(lossPerMille > 0 ? [`    ${lossRule(lossPerMille)}`] : []),
    ...(kind === 'noudp' ? ['    meta l4proto udp counter name udp_drop drop'] : []),
    ...(stateful
      ? [
          '    ct state established,related accept',
          '    iifname "lan" accept',
          '    iifname "wan" counter name fwd_drop drop',
        ]
      : []),
    '  }',
  ];
  if (family === 'ip' && (kind === 'nat' || kind === 'hardnat' || kind === 'noudp')) {
    // Plain masquerade keeps the source port when the tuple is free (endpoint-independent
    // in practice); random,fully-random picks a fresh port per flow.
    const flags = kind === 'hardnat' ? ' random,fully-random' : '';
    lines.push(
      '  chain postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      `    oifname "wan" masquerade${flags}`,
      '  }',
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}
