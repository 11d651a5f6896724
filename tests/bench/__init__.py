"""Tests of the benchmark tooling (bench/): the Streamlit protocol client and load harness."""
