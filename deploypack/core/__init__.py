"""The shared vocabulary every stage may import: findings, rules (finding codes), errors and exit codes."""
