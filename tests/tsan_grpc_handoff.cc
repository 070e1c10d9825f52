// Linked wherever tsan_absl_sync.cc is (every test program of a TSan build,
// banen-ledgerd and banenctl; tests/CMakeLists.txt). Debian's gRPC is not
// instrumented, but much of gRPC C++ is inline code in the program's own
// objects, which is: the call op sets that a reactor's StartRead or StartWrite
// fills, the interceptor batches, the reactor's callbacks. One thread starts a
// batch of ops (filling its op set, after the reactor's own writes) and another
// runs its completion (reading them) once gRPC's core has carried the batch's
// tag from one to the other through a completion queue, with locks and atomics
// TSan cannot see: every such pair was reported as a race, in gRPC's code and
// in ours.
//
// These definitions take the place of the core's functions that take a
// batch's tag and that hand a completed one out (libgrpc++ calls them
// through the PLT, so the program's come first), call the core's own through
// dlsym(RTLD_NEXT), and tell TSan of the hand-over: a release on the tag
// before a batch or a call request starts, an acquire on it when its
// completion comes out of the queue. This build's callback API runs the
// completions on gRPC's "nexting" threads, which take them out with
// grpc_completion_queue_next; the synchronous API plucks them. Nothing else
// is ordered: a thread that reaches a reactor's members other than through
// a batch of gRPC's is still reported (tsan_grpc_handoff_test.cc).
#include <grpc/grpc.h>
#include <sanitizer/tsan_interface.h>

#include "tests/tsan_original.h"

namespace {

using banen::tsan::Original;

grpc_event Acquired(grpc_event event) {
  if (event.type == GRPC_OP_COMPLETE) __tsan_acquire(event.tag);
  return event;
}

}  // namespace

extern "C" {

// One hand-over has no call to annotate: a callback call's last reference
// may be let go in libgrpc++ (its ServerContext's completion op), whose
// atomic decrement TSan does not see, and gRPC then destroys the call's op
// sets on its executor thread, against the writes the op sets' own
// completions made on a nexting thread. The destructor of an op set's
// interceptor state touches only gRPC's memory, never a reactor's.
// CallOnDone is the same hand-over for a whole server call: run on the
// executor once that reference is gone, it calls the reactor's OnDone (ours
// delete the reactor) and destroys the call, both against the last
// callback's writes on a nexting thread (replica_test's subscriptions
// reported it in a run of four on the 2-core VM). A reactor touched after
// its OnDone would still show, as a use after free, under ASan.
const char* __tsan_default_suppressions() {
  return "race:~InterceptorBatchMethodsImpl\nrace:CallOnDone\n";
}

grpc_call_error grpc_call_start_batch(grpc_call* call, const grpc_op* ops,
                                      size_t nops, void* tag, void* reserved) {
  static const auto original =
      Original<decltype(&grpc_call_start_batch)>("grpc_call_start_batch");
  __tsan_release(tag);
  return original(call, ops, nops, tag, reserved);
}

grpc_call_error grpc_server_request_call(
    grpc_server* server, grpc_call** call, grpc_call_details* details,
    grpc_metadata_array* request_metadata,
    grpc_completion_queue* cq_bound_to_call,
    grpc_completion_queue* cq_for_notification, void* tag_new) {
  static const auto original =
      Original<decltype(&grpc_server_request_call)>("grpc_server_request_call");
  __tsan_release(tag_new);
  return original(server, call, details, request_metadata, cq_bound_to_call,
                  cq_for_notification, tag_new);
}

grpc_call_error grpc_server_request_registered_call(
    grpc_server* server, void* registered_method, grpc_call** call,
    gpr_timespec* deadline, grpc_metadata_array* request_metadata,
    grpc_byte_buffer** optional_payload,
    grpc_completion_queue* cq_bound_to_call,
    grpc_completion_queue* cq_for_notification, void* tag_new) {
  static const auto original =
      Original<decltype(&grpc_server_request_registered_call)>(
          "grpc_server_request_registered_call");
  __tsan_release(tag_new);
  return original(server, registered_method, call, deadline, request_metadata,
                  optional_payload, cq_bound_to_call, cq_for_notification,
                  tag_new);
}

grpc_event grpc_completion_queue_next(grpc_completion_queue* cq,
                                      gpr_timespec deadline, void* reserved) {
  static const auto original = Original<decltype(&grpc_completion_queue_next)>(
      "grpc_completion_queue_next");
  return Acquired(original(cq, deadline, reserved));
}

grpc_event grpc_completion_queue_pluck(grpc_completion_queue* cq, void* tag,
                                       gpr_timespec deadline, void* reserved) {
  static const auto original = Original<decltype(&grpc_completion_queue_pluck)>(
      "grpc_completion_queue_pluck");
  return Acquired(original(cq, tag, deadline, reserved));
}

int grpc_completion_queue_thread_local_cache_flush(grpc_completion_queue* cq,
                                                   void** tag, int* ok) {
  static const auto original =
      Original<decltype(&grpc_completion_queue_thread_local_cache_flush)>(
          "grpc_completion_queue_thread_local_cache_flush");
  const int flushed = original(cq, tag, ok);
  if (flushed != 0) __tsan_acquire(*tag);
  return flushed;
}

}  // extern "C"
