"""Wire-protocol decoders: what each kind of tracker sends, turned into ``Ping``s.

Pure functions of the payload, the identity the transport established and the time it
arrived; no I/O, no clock, no web framework or database. The API routes, the MQTT
listener and the bench call them; the ping pipeline takes it from there.
"""

from __future__ import annotations

from doorstep.ingest.base import DecodeError, Decoder
from doorstep.ingest.native import MAX_FIXES, NativeDecoder, decode_batch
from doorstep.ingest.osmand import OsmAndDecoder, decode_json, decode_params, decode_query
from doorstep.ingest.owntracks import (
    OwnTracksDecoder,
    decode_owntracks,
    device_identity,
    identity_from_topic,
    parse_topic,
)

DECODERS: dict[str, Decoder] = {
    decoder.name: decoder for decoder in (NativeDecoder(), OsmAndDecoder(), OwnTracksDecoder())
}


def decoder_for(protocol: str) -> Decoder:
    """The decoder of a protocol by its name ("native", "osmand", "owntracks")."""
    try:
        return DECODERS[protocol]
    except KeyError:
        raise ValueError(
            f"no decoder for protocol {protocol!r}; known: {sorted(DECODERS)}"
        ) from None


__all__ = [
    "DECODERS",
    "MAX_FIXES",
    "DecodeError",
    "Decoder",
    "NativeDecoder",
    "OsmAndDecoder",
    "OwnTracksDecoder",
    "decode_batch",
    "decode_json",
    "decode_owntracks",
    "decode_params",
    "decode_query",
    "decoder_for",
    "device_identity",
    "identity_from_topic",
    "parse_topic",
]
