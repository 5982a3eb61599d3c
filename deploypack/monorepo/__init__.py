"""Monorepos: find the packages, plan a matrix, run it here, merge the jobs' outputs into one release."""
