#include "daemon/http/connection.h"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "daemon/http/api_handlers.h"
#include "daemon/http/auth.h"
#include "daemon/http/request_target.h"
#include "daemon/http/wire.h"

namespace cg {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

// Bytes asked of the kernel per read once a head is in (body, pipelined requests). A head is
// read in pieces of at most what is left of its limit, so the buffer never holds more than
// max_header_bytes + 1 bytes of an unfinished head.
constexpr size_t kReadChunk = 16 * 1024;

// After a response that ends the connection: stop sending (FIN), then read and discard what the
// client still sends for at most this long / this many bytes before closing. Closing with
// unread input makes the kernel send a reset, which can destroy the response before the client
// has read it (RFC 9112 section 9.6); the bounds keep a hostile sender from holding the socket.
constexpr std::chrono::milliseconds kLingerTime{500};
constexpr size_t kLingerBytes = 64 * 1024;

// Beast 1.74 speaks boost::string_view.
std::string_view Std(beast::string_view s) { return std::string_view(s.data(), s.size()); }

bool IEquals(beast::string_view a, std::string_view b) {
  return beast::iequals(a, beast::string_view(b.data(), b.size()));
}

bool StartsWithIgnoreCase(beast::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// Methods whose body is handed to the handler; the others route with an empty body, as before.
bool TakesBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

class Connection final : public TrackedConnection, public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerContext& ctx, uint64_t id, tcp::socket socket)
      : ctx_(ctx),
        id_(id),
        stream_(std::move(socket)),
        buffer_(static_cast<size_t>(ctx.max_header_bytes) + 1 + kReadChunk) {}

  ~Connection() override { ctx_.table->Remove(id_); }

  uint64_t id() const { return id_; }

  void Start() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kClosed) return;  // Evicted before it started.
      boost::system::error_code ec;
      self->stream_.socket().set_option(tcp::no_delay(true), ec);
      self->BeginRequest();
    });
  }

  void Evict() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

  void Shutdown() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kWaiting || self->state_ == State::kLingering) self->Close();
    });
  }

  void CloseNow() override {
    boost::system::error_code ec;
    stream_.socket().close(ec);
  }

  // Closes a connection that was never started (refused at admission).
  void Refuse() { CloseNow(); }

 private:
  enum class State {
    kWaiting,    // For a request head (new, keep-alive, trickling).
    kBusy,       // Reading a body, routing, writing a response.
    kLingering,  // Draining input after the last response.
    kClosed,
  };
  enum class Phase { kHead, kBody };

  // --- Reading the head ----------------------------------------------------------------------

  // Whether the table may give this connection's slot to a newcomer (connection_table.h). False
  // from either call: it was evicted meanwhile, close it.
  bool MakeEvictable() {
    if (!evictable_ && !ctx_.table->SetEvictable(id_)) return false;
    evictable_ = true;
    return true;
  }
  bool MakeProtected() {
    if (evictable_ && !ctx_.table->SetProtected(id_)) return false;
    evictable_ = false;
    return true;
  }

  void BeginRequest() {
    if (state_ == State::kClosed) return;
    if (ctx_.stopping.load()) return Close();
    // A client that sent its whole request at once (a health probe, a scrape) keeps its slot
    // until that request is parsed; one with nothing to read can give it up.
    beast::error_code ec;
    bool pending = buffer_.size() > 0 || stream_.socket().available(ec) > 0;
    if (!(pending ? MakeProtected() : MakeEvictable())) return Close();
    state_ = State::kWaiting;
    phase_ = Phase::kHead;
    phase_start_ = std::chrono::steady_clock::now();
    head_bytes_ = 0;
    got_bytes_ = buffer_.size() > 0;
    parser_.emplace();
    // The body limit is applied once the head has been checked (see OnHead), so that an
    // oversized Content-Length is answered with our 413 after the other head checks. Not
    // boost::none: Beast 1.74 compares `len_ > body_limit_`, which is true for an empty optional.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    ParseHead();
  }

  void ParseHead() {
    for (;;) {
      uint64_t allowance = ctx_.max_header_bytes - std::min(head_bytes_, ctx_.max_header_bytes);
      // Beast 1.74 applies header_limit to what is still unparsed, not to the whole head (it
      // parses the request line and complete header lines as they arrive): give it what is left.
      parser_->header_limit(static_cast<std::uint32_t>(
          std::min<uint64_t>(allowance, std::numeric_limits<std::uint32_t>::max())));
      if (buffer_.size() == 0) return ReadHead();
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      head_bytes_ += used;
      // Beast measures its limit from the end of the request line: count the whole head here.
      if (head_bytes_ > ctx_.max_header_bytes) return RejectHeadTooLarge();
      if (ec == http::error::need_more) {
        if (head_bytes_ + buffer_.size() > ctx_.max_header_bytes) return RejectHeadTooLarge();
        if (!MakeEvictable()) return Close();  // An incomplete head: it may be a trickler.
        return ReadHead();
      }
      if (ec == http::error::header_limit) return RejectHeadTooLarge();
      if (ec) return RejectHeadError(ec);
      if (parser_->is_header_done()) return OnHead();
    }
  }

  void ReadHead() {
    // Until the first byte: the idle deadline (or the head one when shorter); then the head's.
    SteadyTime deadline = phase_start_ + ctx_.head_timeout;
    if (!got_bytes_) deadline = std::min(deadline, phase_start_ + ctx_.keep_alive_timeout);
    size_t used = static_cast<size_t>(head_bytes_) + buffer_.size();
    size_t want =
        std::min<size_t>(kReadChunk, static_cast<size_t>(ctx_.max_header_bytes) + 1 - used);
    stream_.expires_at(deadline);
    stream_.async_read_some(
        buffer_.prepare(want),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(beast::error_code ec, size_t n) {
    if (state_ == State::kClosed) return;
    if (ec == beast::error::timeout) {
      ctx_.metrics->TimedOut(phase_ == Phase::kBody ? TimeoutPhase::kBody
                             : got_bytes_           ? TimeoutPhase::kHead
                                                    : TimeoutPhase::kIdle);
      return Close();
    }
    if (ec) return Close();  // Closed by the client (also mid-request), reset, or by us.
    buffer_.commit(n);
    if (n > 0) got_bytes_ = true;
    if (phase_ == Phase::kBody) return ParseBody();
    ParseHead();
  }

  // --- Checking the head ---------------------------------------------------------------------

  void OnHead() {
    if (!MakeProtected()) return Close();  // Evicted just before its head was in.
    state_ = State::kBusy;
    request_start_ = ctx_.clock->MonoNow();
    body_deadline_ = std::chrono::steady_clock::now() + ctx_.read_timeout;
    auto& req = parser_->get();
    method_ = std::string(Std(req.method_string()));
    auto target = ParseRequestTarget(Std(req.target()));
    if (!IsKnownMethod(method_) || !target) return Reject(MalformedRequestLine());
    path_ = std::move(target->path);
    params_ = std::move(target->params);
    label_ = std::string(ctx_.router->LabelFor(method_, path_));
    bool has_length = req.count(http::field::content_length) > 0;
    bool has_encoding = req.count(http::field::transfer_encoding) > 0;
    if (has_length && has_encoding) return Reject(Smuggling());
    if (has_encoding && !parser_->chunked()) return Reject(UnsupportedTransferEncoding());
    if (StartsWithIgnoreCase(req[http::field::content_type], "multipart/")) {
      return Reject(Multipart());
    }
    if (has_length && parser_->content_length().value_or(0) > ctx_.max_body_bytes) {
      return Reject(BodyTooLarge(ctx_.max_body_bytes));
    }
    authorization_ = std::string(Std(req[http::field::authorization]));
    accept_ = std::string(Std(req[http::field::accept]));
    keep_alive_ = parser_->keep_alive();
    http10_ = req.version() == 10;
    head_request_ = method_ == "HEAD";
    Router::Match m = ctx_.router->Find(method_, path_);
    bool refused = m.route == nullptr ||
                   (m.route->write && CheckBearer(authorization_, ctx_.token) != AuthResult::kOk);
    // Only an authorized write waits for the loop; Dispatch() answers the others at once.
    to_pool_ = !refused && m.route->write;
    if (parser_->is_done()) return Handle();
    // A body is coming. Answer what does not need it without reading it (and close: its bytes
    // would otherwise be taken for the next request): no such route, or a write without the
    // right token. Only clients holding the token can make us read and hold a body.
    if (refused) {
      keep_alive_ = false;
      return Handle();
    }
    parser_->body_limit(ctx_.max_body_bytes);
    if (IEquals(req[http::field::expect], "100-continue")) return SendContinue();
    phase_ = Phase::kBody;
    ParseBody();
  }

  void SendContinue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(ctx_.write_timeout);
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (self->state_ == State::kClosed) return;
                       if (ec == beast::error::timeout) {
                         self->ctx_.metrics->TimedOut(TimeoutPhase::kWrite);
                       }
                       if (ec) return self->Close();
                       self->phase_ = Phase::kBody;
                       self->ParseBody();
                     });
  }

  // --- Reading the body ----------------------------------------------------------------------

  void ParseBody() {
    for (;;) {
      if (parser_->is_done()) return Handle();
      if (buffer_.size() == 0) return ReadBody();
      beast::error_code ec;
      parser_->eager(true);
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::body_limit) return Reject(BodyTooLarge(ctx_.max_body_bytes));
      if (ec == http::error::need_more || (!ec && used == 0 && !parser_->is_done())) {
        return ReadBody();
      }
      if (ec) return Reject(MalformedBody(""));
    }
  }

  void ReadBody() {
    size_t want = std::min(kReadChunk, buffer_.max_size() - buffer_.size());
    if (want == 0) {
      // Only a chunk header longer than the buffer gets here (the body goes to the parser).
      return Reject(MalformedBody(": chunk header too long"));
    }
    stream_.expires_at(body_deadline_);
    stream_.async_read_some(
        buffer_.prepare(want),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  // --- Routing -------------------------------------------------------------------------------

  void Handle() {
    if (TakesBody(method_)) body_ = std::move(parser_->get().body());
    parser_.reset();
    ++served_;
    if (!to_pool_) return Send(Route());
    // May wait up to backend_timeout for the event loop: off the I/O threads.
    try {
      ctx_.handler_pool->Post([self = shared_from_this()] {
        Reply reply = self->Route();
        net::post(self->stream_.get_executor(),
                  [self, reply = std::move(reply)]() mutable { self->Send(std::move(reply)); });
      });
    } catch (const std::exception& e) {
      // The pool's threads could not be started (TasksMax, no memory): refuse this write.
      Send(ErrorReply(503, std::string("cannot run the request: ") + e.what()));
    }
  }

  // Runs on an I/O thread or on the handler pool; reads only the request fields, which nothing
  // else touches until Send().
  Reply Route() const {
    ApiRequest r;
    r.method = method_;
    r.path = path_;
    r.params = &params_;
    r.body = body_;
    r.authorization = authorization_;
    r.accept = accept_;
    return Dispatch(*ctx_.router, ctx_.token, std::move(r));
  }

  // --- Writing -------------------------------------------------------------------------------

  void Send(Reply reply) {
    if (state_ == State::kClosed) return;
    std::optional<double> seconds =
        std::chrono::duration<double>(ctx_.clock->MonoNow() - request_start_).count();
    // Counted before it is written: a client that has its answer also sees it in /metrics.
    ctx_.metrics->Observe(label_, reply.status, seconds);
    bool close = !keep_alive_ || served_ >= ctx_.keep_alive_max_requests || ctx_.stopping.load();
    Write(std::move(reply), close, /*with_body=*/!head_request_);
  }

  void Write(Reply reply, bool close, bool with_body) {
    close_after_write_ = close;
    out_head_ = ResponseHead(reply, close, http10_);
    out_body_ = with_body ? std::move(reply.body) : std::string();
    std::array<net::const_buffer, 2> buffers{net::buffer(out_head_), net::buffer(out_body_)};
    stream_.expires_after(ctx_.write_timeout);
    net::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnWrite(ec);
    });
  }

  void OnWrite(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    std::string().swap(out_body_);  // Do not keep a large page per idle connection.
    if (ec == beast::error::timeout) ctx_.metrics->TimedOut(TimeoutPhase::kWrite);
    if (ec) return Close();
    if (close_after_write_) return Linger();
    path_.clear();
    label_.clear();
    params_.clear();
    body_.clear();
    authorization_.clear();
    accept_.clear();
    BeginRequest();  // Pipelined bytes may already be in the buffer.
  }

  // --- Rejections ----------------------------------------------------------------------------

  // The handler label of a request whose head failed: its route when the request line was
  // parsed (Beast consumes it as soon as it is complete), else "other".
  std::string HeadLabel() const {
    if (head_bytes_ == 0) return "other";
    auto target = ParseRequestTarget(Std(parser_->get().target()));
    if (!target) return "other";
    return std::string(ctx_.router->LabelFor(Std(parser_->get().method_string()), target->path));
  }

  void RejectHeadTooLarge() {
    std::string_view pending(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    Reject(HeadTooLarge(pending, head_bytes_ > 0, ctx_.max_header_bytes));
  }

  void RejectHeadError(beast::error_code ec) {
    const auto& req = parser_->get();
    Reject(HeadParseError(ec, req.count(http::field::content_length) > 0,
                          req.count(http::field::transfer_encoding) > 0));
  }

  // Answers an error and closes the connection: whatever follows in the stream cannot be
  // trusted to start a request.
  // Counted under the request's route once its head is checked (label_), else under the
  // route its request line names, else "other".
  void Reject(const Rejection& r) {
    if (!MakeProtected()) return Close();
    state_ = State::kBusy;
    if (r.reason) ctx_.metrics->Rejected(*r.reason);
    ctx_.metrics->Observe(r.request_line    ? "other"
                          : !label_.empty() ? label_
                                            : HeadLabel(),
                          r.status, std::nullopt);
    bool head = parser_ && parser_->is_header_done() && parser_->get().method_string() == "HEAD";
    Write(ErrorReply(r.status, r.detail), /*close=*/true, /*with_body=*/!head);
  }

  // --- Closing -------------------------------------------------------------------------------

  void Linger() {
    if (ctx_.stopping.load() || !MakeEvictable()) return Close();
    state_ = State::kLingering;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    parser_.reset();
    buffer_.clear();
    lingered_ = 0;
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    if (lingered_ >= kLingerBytes) return Close();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec || self->state_ == State::kClosed) return self->Close();
                              self->lingered_ += n;
                              self->buffer_.clear();
                              self->Drain();
                            });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    stream_.close();
    parser_.reset();
    ctx_.table->Remove(id_);
  }

  ServerContext& ctx_;
  const uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::kWaiting;
  Phase phase_ = Phase::kHead;
  SteadyTime phase_start_{};
  SteadyTime body_deadline_{};
  uint64_t head_bytes_ = 0;  // Consumed by the parser for the current head.
  bool got_bytes_ = false;   // A byte of the current request has arrived.
  int served_ = 0;
  size_t lingered_ = 0;
  bool evictable_ = false;  // As last told to the table.

  // The request being handled. Written on the strand before Route() runs, read-only while it
  // runs (possibly on the handler pool), cleared after the response is written.
  MonoTime request_start_{};
  std::string method_;
  std::string path_;
  std::multimap<std::string, std::string> params_;
  std::string body_;
  std::string authorization_;
  std::string accept_;
  std::string label_;
  bool to_pool_ = false;  // An authorized write route: handled on ctx_.handler_pool.
  bool keep_alive_ = false;
  bool http10_ = false;
  bool head_request_ = false;

  // The response being written.
  std::string out_head_;
  std::string out_body_;
  bool close_after_write_ = false;
};

}  // namespace

void ServeConnection(ServerContext& ctx, tcp::socket socket, bool over_fd_ceiling) {
  uint64_t id = ctx.next_id.fetch_add(1);
  auto connection = std::make_shared<Connection>(ctx, id, std::move(socket));
  std::shared_ptr<TrackedConnection> victim;
  switch (ctx.table->Admit(id, connection, &victim, over_fd_ceiling)) {
    case ConnectionTable::Admission::kRefused:
      ctx.metrics->Refused(over_fd_ceiling ? RefuseReason::kDescriptors : RefuseReason::kLimit);
      connection->Refuse();
      return;
    case ConnectionTable::Admission::kAdmittedByEviction:
      ctx.metrics->Refused(RefuseReason::kLimit);
      if (victim) victim->Evict();
      break;
    case ConnectionTable::Admission::kAdmitted:
      break;
  }
  connection->Start();
}

}  // namespace cg
