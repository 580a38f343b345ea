"""Demo and benchmark data: the demo issue and users (seed_demo), bench issues
(generate_bench_data), and the one way they publish, through the workflow. Production
settings leave this app out (DJANGO_DEMO=0)."""
