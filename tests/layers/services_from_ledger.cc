// Must not build: the ledger sits below the services.
#include "services/ledger_server.h"
