"""The link PHY: 8b/10b, alignment, serializer, framing, CRC, statistics."""
