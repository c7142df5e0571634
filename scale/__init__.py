"""Scale data for the benchmarks (bench/README.md): `manage.py seed_scale` and
scale.seeding.seed_scale write one county, or a province of counties, with members and
campaign records in every state the live checklist reads. The product apps never
import it."""
