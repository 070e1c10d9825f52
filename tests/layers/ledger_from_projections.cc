// Must build: the control for storage_format_from_projections.cc.
#include "ledger/event_log.h"
#include "projections/projector.h"
