// Must build: the control for services_from_ledger.cc, same target set-up.
#include "ledger/event_log.h"
