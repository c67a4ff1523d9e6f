"""Images: one checked decode, orientation, and the derivatives made from it."""
