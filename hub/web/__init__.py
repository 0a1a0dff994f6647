"""What every page view shares: rendering, the sign-in/role/CSRF gate, display filters, the layout context."""
