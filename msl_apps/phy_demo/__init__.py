"""``make phy-demo``: two cross-wired link PHYs exchange frames with injected errors."""
