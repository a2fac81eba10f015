// Tour: a value carried by a context. Ports seed 003 (a flow guide), Level 4, pattern 3:
// context.WithValue(ctx, "userID", "12345"), passed down processRequest and doWork, each
// reading it with ctx.Value("userID").(string).
//
//   ctx := context.WithValue(context.Background(), "userID", "12345")
//                                          auto ctx = gocxx::with_value(gocxx::background(), user_id, std::string("12345"));
//   if userID, ok := ctx.Value("userID").(string); ok {
//                                          if (auto uid = ctx.value(user_id)) { ... *uid ... }
//
// The seed keys the value with a plain string, which Go's own vet warns about (any
// package using "userID" collides); gocxx keys are typed objects compared by address, so
// the port declares one (and there is no type assertion: value() is typed). A context
// without the value reads nothing, so the third call prints nothing.
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

const gocxx::context_key<std::string> user_id{"userID"};

void do_work(const gocxx::context& ctx) {
  if (auto uid = ctx.value(user_id)) std::printf("Doing work for user: %s\n", uid->c_str());
}

void process_request(const gocxx::context& ctx) {
  if (auto uid = ctx.value(user_id)) std::printf("Processing request for user: %s\n", uid->c_str());  // Step 3
  do_work(ctx);  // pass context down
}

}  // namespace

TOUR_EXAMPLE(context_values, "003", "context.WithValue(\"userID\") read down a call chain") {
  std::printf("\n=== Level 4, pattern 3: context with values ===\n");
  auto ctx = gocxx::with_value(gocxx::background(), user_id, std::string("12345"));  // Step 1
  process_request(ctx);                                                             // Step 2
  process_request(gocxx::background());  // not in the seed: no value, nothing printed
  std::printf("(a context without userID: nothing printed)\n");
}
