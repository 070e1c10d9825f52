// Must not build: the storage grammar is internal to ledger/.
#include "ledger/internal/storage_format.h"
