"""One module per report kind (or family); each calls reports.registry.register() at
import time. ReportsConfig.ready() imports every module of this package."""
