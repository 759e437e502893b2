/**
 * A socket.io-parser whose decoder reports every packet before socket.io-client hands it to the
 * SDK. The SDK takes it through its public `socketOptions.parser` (a socket.io-client option), so
 * the chaos suite sees exactly what came over the wire (duplicates, order) while the SDK's own
 * rules (dedupe, acks, resync) run untouched and their result is observed through its handlers.
 */
import * as parser from 'socket.io-parser';

export interface WirePacket {
  type: parser.PacketType;
  nsp: string;
  data?: unknown;
}

/** A parser module for `socketOptions.parser`; `onPacket` runs for every decoded packet. */
export function tappedParser(onPacket: (packet: WirePacket) => void): typeof parser {
  class TapDecoder extends parser.Decoder {
    constructor() {
      super();
      // Registered first, so it runs before the Manager's own 'decoded' listener.
      this.on('decoded', (packet: WirePacket) => onPacket(packet));
    }
  }
  return { ...parser, Decoder: TapDecoder };
}

export const PacketType = parser.PacketType;
