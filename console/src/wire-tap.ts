/**
 * Sees every Socket.IO packet the SDK's connection sends and receives, through socket.io-client's
 * `parser` option (which the SDK passes on from `socketOptions`): the stock encoder and decoder,
 * each reporting the packet it handles. So the log shows the SDK's own traffic too — login,
 * heartbeats, acks and the answers to each — exactly as it crosses the wire.
 */
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';

export type WireDirection = 'in' | 'out';
export type WireListener = (direction: WireDirection, packet: Packet) => void;

export { PacketType };
export type { Packet };

/** A `parser` for socket.io-client that tells `listener` about every packet. */
export function tappedParser(listener: WireListener): { Encoder: typeof Encoder; Decoder: typeof Decoder } {
  const tell = (direction: WireDirection, packet: Packet): void => {
    try {
      listener(direction, packet);
    } catch (error) {
      console.error('console: the wire log failed', error);
    }
  };
  class TappedEncoder extends Encoder {
    override encode(packet: Packet): ReturnType<Encoder['encode']> {
      tell('out', packet);
      return super.encode(packet);
    }
  }
  class TappedDecoder extends Decoder {
    constructor() {
      super();
      this.on('decoded', (packet: Packet) => tell('in', packet));
    }
  }
  return { Encoder: TappedEncoder, Decoder: TappedDecoder };
}
