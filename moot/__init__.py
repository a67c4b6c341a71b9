"""The composition root: the one place that knows the core, the capabilities and the
adapters, and wires them together. Everything it imports points down."""
