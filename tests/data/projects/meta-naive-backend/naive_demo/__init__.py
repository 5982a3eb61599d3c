"""naive demo."""
