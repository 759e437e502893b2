/**
 * The client's address. X-Forwarded-For is believed only when the direct peer is a configured
 * trusted proxy; then the right-most address that is not itself a trusted proxy wins.
 */

/** `::ffff:127.0.0.1` → `127.0.0.1`, so IPv4 clients on a dual-stack socket compare equal. */
export function normalizeIp(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function clientAddress(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: ReadonlySet<string>,
): string {
  const peer = normalizeIp(remoteAddress);
  if (forwardedFor === undefined || !trustedProxies.has(peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((s) => normalizeIp(s.trim()))
    .filter((s) => s !== 'unknown');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return peer;
}
