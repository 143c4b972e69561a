"""The link layer: link control, frame arbitration, receive and transmit sequencing."""
