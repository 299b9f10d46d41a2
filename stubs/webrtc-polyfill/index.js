// seedpay runs WebTorrent over TCP only: WebRTC peers are disabled (tracker/DHT off, no WebRTC
// trackers), so nothing should construct these. If something does, say so plainly.
class Unavailable {
  constructor() {
    throw new Error("WebRTC is not available in seedpay (webrtc-polyfill is stubbed): use TCP peers");
  }
}
export class RTCPeerConnection extends Unavailable {}
export class RTCSessionDescription extends Unavailable {}
export class RTCIceCandidate extends Unavailable {}
export class RTCIceTransport extends Unavailable {}
export class RTCDataChannel extends Unavailable {}
export class RTCSctpTransport extends Unavailable {}
export class RTCDtlsTransport extends Unavailable {}
export class RTCCertificate extends Unavailable {}
export class MediaStream extends Unavailable {}
export class MediaStreamTrack extends Unavailable {}
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCIceTransport, RTCDataChannel, RTCSctpTransport, RTCDtlsTransport, RTCCertificate, MediaStream, MediaStreamTrack };
