// cdlab native IPC: a thin N-API boundary over the system calls the lecture uses.
//
//   System V message queues  msgget / msgsnd / msgrcv / msgctl(IPC_STAT, IPC_RMID)
//   POSIX shared memory      shm_open / ftruncate / fstat / mmap / munmap / shm_unlink
//   POSIX named semaphores   sem_open / sem_wait / sem_trywait / sem_timedwait /
//                            sem_post / sem_getvalue / sem_close / sem_unlink
//   pipes                    pipe2
//
// Nothing else lives here: validation, error messages, ownership and docs are in
// src/ipc/*.ts. Errors are thrown (or rejected) as Error objects with the number
// in `errno` and the call in `syscall`; src/ipc/native.ts names the number
// (`code`: "EINVAL", "EIDRM"...) with util.getSystemErrorName.
//
// Blocking calls (msgrcv, msgsnd on a full queue, sem_wait, sem_timedwait) come in
// three forms:
//   - try first: the non-blocking call (IPC_NOWAIT, sem_trywait), optionally
//     retried for a few microseconds (`spinUs`), on the calling thread, before an
//     async wait hands the call to a waiter thread;
//   - sync: the blocking call on the calling thread (worker threads, child
//     processes), retried on EINTR, and nothing before it: one system call when it
//     blocks, as in C;
//   - async: handed to a waiter thread (not libuv's 4-thread pool, which blocked
//     waits would starve), returning { promise, cancel }. Waiter threads are
//     started once and parked between jobs (WaiterPool); a job comes back through
//     one thread-safe function per JS thread. cancel() sets a flag and sends
//     CANCEL_SIGNAL to the thread running the job; the signal handler does nothing
//     and is installed without SA_RESTART, so the system call returns EINTR, the
//     thread sees the flag and the promise rejects with code "ECANCELED". Because
//     the signal could land just before the thread enters the call, cancel()
//     repeats it until the thread reports that it finished (in practice once).

#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int e) {
  std::string msg = std::string(syscall) + ": " + strerror(e);
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("errno", Napi::Number::New(env, e));
  err.Set("syscall", Napi::String::New(env, syscall));
  return err;
}

[[noreturn]] void ThrowErrno(Napi::Env env, const char* syscall, int e) {
  throw ErrnoError(env, syscall, e);
}

// ---------------------------------------------------------------- cancellation
const int CANCEL_SIGNAL = SIGRTMIN + 4;
std::once_flag g_signal_once;

void OnCancelSignal(int) {}

void InstallCancelHandler() {
  std::call_once(g_signal_once, [] {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnCancelSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocked calls return EINTR
    sigaction(CANCEL_SIGNAL, &sa, nullptr);
  });
}

// One blocking call, run by a parked waiter thread (see WaiterPool). `work` runs
// on that thread and returns 0 or an errno; `result` turns what it produced into a
// JS value on the main thread.
struct Job : std::enable_shared_from_this<Job> {
  std::function<int(Job&)> work;
  std::function<Napi::Value(Napi::Env, Job&)> result;
  const char* syscall = "";
  // outputs of work()
  long mtype = 0;
  std::vector<char> data;
  bool flag = false;

  std::atomic<bool> cancelled{false};
  std::mutex m;
  bool started = false;
  bool finished = false;
  pthread_t tid{};
  struct EnvData* owner = nullptr;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  int err = 0;

  // Run fn until it succeeds, fails for a reason other than EINTR, or is cancelled.
  int Retry(const std::function<int()>& fn) {
    for (;;) {
      if (cancelled.load()) return ECANCELED;
      int e = fn();
      if (e != EINTR) return e;
    }
  }

  void Cancel() {
    cancelled.store(true);
    for (int i = 0; i < 2000; i++) {
      {
        std::lock_guard<std::mutex> lock(m);
        if (!started || finished) return;
        pthread_kill(tid, CANCEL_SIGNAL);
      }
      usleep(500);
    }
  }
};

void Settle(Napi::Env env, Napi::Function, void*, std::shared_ptr<Job>* keep);
using JobTsfn = Napi::TypedThreadSafeFunction<void, std::shared_ptr<Job>, Settle>;

// Per JS thread (main thread or a worker): one thread-safe function through which
// every finished job comes back, referenced only while jobs are in flight, so an
// idle addon keeps no event loop alive.
struct EnvData {
  JobTsfn tsfn;
  int inflight = 0;
};

void Settle(Napi::Env env, Napi::Function, void*, std::shared_ptr<Job>* keep) {
  std::shared_ptr<Job> job = std::move(*keep);
  delete keep;
  if (env == nullptr) return;  // the env is shutting down
  if (job->err == 0) {
    job->deferred->Resolve(job->result ? job->result(env, *job) : env.Undefined());
  } else {
    job->deferred->Reject(ErrnoError(env, job->syscall, job->err).Value());
  }
  if (--job->owner->inflight == 0) job->owner->tsfn.Unref(env);
}


// Waiter threads are started once and parked between jobs: a wait that blocks
// costs a condition-variable hand-off, not a thread start (about 20-60 µs here).
class WaiterPool {
 public:
  void Submit(std::shared_ptr<Job> job, JobTsfn tsfn) {
    std::unique_lock<std::mutex> lock(m_);
    queue_.push_back({std::move(job), tsfn});
    if (queue_.size() > (size_t)idle_) {  // every parked thread already has a job coming
      std::thread([this] { Loop(); }).detach();
    } else {
      cv_.notify_one();
    }
  }

 private:
  struct Item {
    std::shared_ptr<Job> job;
    JobTsfn tsfn;
  };
  void Loop() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      while (queue_.empty()) {
        idle_++;
        cv_.wait(lock);
        idle_--;
      }
      Item item = std::move(queue_.front());
      queue_.erase(queue_.begin());
      lock.unlock();
      Job& j = *item.job;
      {
        std::lock_guard<std::mutex> jl(j.m);
        j.tid = pthread_self();
        j.started = true;
      }
      j.err = j.work(j);
      {
        std::lock_guard<std::mutex> jl(j.m);
        j.finished = true;
      }
      auto* keep = new std::shared_ptr<Job>(std::move(item.job));
      if (item.tsfn.NonBlockingCall(keep) != napi_ok) delete keep;
      item.tsfn.Release();
      lock.lock();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Item> queue_;
  int idle_ = 0;
};

WaiterPool* g_pool = new WaiterPool();  // never destroyed: detached threads use it

EnvData* GetEnvData(Napi::Env env) {
  EnvData* d = env.GetInstanceData<EnvData>();
  if (d) return d;
  d = new EnvData();
  Napi::Function noop = Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  d->tsfn = JobTsfn::New(env, noop, "cdlab-ipc-wait", 0, 1);
  d->tsfn.Unref(env);
  env.SetInstanceData<EnvData>(d);
  return d;
}

Napi::Value StartJob(Napi::Env env, std::shared_ptr<Job> job) {
  InstallCancelHandler();
  EnvData* d = GetEnvData(env);
  job->owner = d;
  job->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise promise = job->deferred->Promise();
  if (d->inflight++ == 0) d->tsfn.Ref(env);
  d->tsfn.Acquire();  // released by the waiter thread once the job is queued back
  g_pool->Submit(job, d->tsfn);
  Napi::Object out = Napi::Object::New(env);
  out.Set("promise", promise);
  std::weak_ptr<Job> weak = job;
  out.Set("cancel", Napi::Function::New(env, [weak](const Napi::CallbackInfo& info) {
            if (auto j = weak.lock()) j->Cancel();
            return info.Env().Undefined();
          }));
  return out;
}

// Spin budget of the try-first calls: retry a non-blocking call for up to `us`
// microseconds on the calling thread, yielding the CPU between tries, before the
// caller sleeps or hands the wait to a waiter thread. A partner in another
// process usually answers within a few µs.
template <typename F>
bool SpinFor(double us, F tryOnce) {
  if (tryOnce()) return true;
  if (us <= 0) return false;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    // Yield between tries: on a busy machine the partner may be waiting for this very CPU.
    sched_yield();
    if (tryOnce()) return true;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) * 1e6 + (t.tv_nsec - t0.tv_nsec) / 1e3 >= us) return false;
  }
}

// ---------------------------------------------------------------- helpers
int32_t ArgInt(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int32Value();
}
int64_t ArgInt64(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

// ---------------------------------------------------------------- message queues
struct MsgBuf {
  long mtype;
  char mtext[1];
};

Napi::Value MsgGet(const Napi::CallbackInfo& info) {
  int id = msgget((key_t)ArgInt(info, 0), ArgInt(info, 1));
  if (id < 0) ThrowErrno(info.Env(), "msgget", errno);
  return Napi::Number::New(info.Env(), id);
}

// The message as msgsnd wants it (mtype, then the bytes) in `buf`.
void PackMessage(long mtype, const Napi::Buffer<char>& data, std::vector<char>& buf) {
  if (buf.size() < sizeof(long) + data.Length()) buf.resize(sizeof(long) + data.Length());
  memcpy(buf.data(), &mtype, sizeof(long));
  if (data.Length()) memcpy(buf.data() + sizeof(long), data.Data(), data.Length());
}

// msgsnd(id, mtype, data, flags): the call as is on the calling thread (with
// IPC_NOWAIT: try first; without: blocks this thread, retried on EINTR)
Napi::Value MsgSnd(const Napi::CallbackInfo& info) {
  int id = ArgInt(info, 0);
  long mtype = (long)ArgInt64(info, 1);
  auto data = info[2].As<Napi::Buffer<char>>();
  int flags = ArgInt(info, 3);
  thread_local std::vector<char> buf;  // no allocation per message
  PackMessage(mtype, data, buf);
  while (msgsnd(id, buf.data(), data.Length(), flags) < 0) {
    if (errno != EINTR) ThrowErrno(info.Env(), "msgsnd", errno);
  }
  return info.Env().Undefined();
}

// msgsndAsync(id, mtype, data, flags) -> { promise<void>, cancel }
Napi::Value MsgSndAsync(const Napi::CallbackInfo& info) {
  auto job = std::make_shared<Job>();
  int id = ArgInt(info, 0);
  long mtype = (long)ArgInt64(info, 1);
  auto data = info[2].As<Napi::Buffer<char>>();
  int flags = ArgInt(info, 3);
  size_t len = data.Length();
  PackMessage(mtype, data, job->data);
  job->syscall = "msgsnd";
  job->work = [id, len, flags](Job& j) {
    return j.Retry([&] { return msgsnd(id, j.data.data(), len, flags) < 0 ? errno : 0; });
  };
  return StartJob(info.Env(), job);
}

Napi::Value MessageValue(Napi::Env env, long mtype, const char* text, size_t len) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("type", Napi::Number::New(env, (double)mtype));
  out.Set("data", Napi::Buffer<char>::Copy(env, text, len));
  return out;
}

// msgrcv(id, msgbuf, maxSize, type, flags, spinUs) -> bytes received, or -1.
// `msgbuf` is a Buffer laid out as the struct msgbuf (a long mtype, then at
// least maxSize bytes of text) that the caller reuses: the kernel writes the
// message straight into it, so no Buffer or object is made here (making one
// per message cost more than the call itself).
//   - IPC_NOWAIT in flags (try first): retried for up to spinUs µs while it fails
//     with ENOMSG, then -1 (no exception: a try that finds nothing is the common
//     case of a ping-pong, and building an Error costs more than the call);
//   - without (sync): the blocking call on this thread, retried on EINTR, and no
//     IPC_NOWAIT try before it: that would be a second system call, taking the
//     queue's lock that the partner's msgsnd needs too.
Napi::Value MsgRcv(const Napi::CallbackInfo& info) {
  int id = ArgInt(info, 0);
  auto msgbuf = info[1].As<Napi::Buffer<char>>();
  size_t max = (size_t)ArgInt64(info, 2);
  long type = (long)ArgInt64(info, 3);
  int flags = ArgInt(info, 4);
  double spin = info.Length() > 5 ? info[5].As<Napi::Number>().DoubleValue() : 0;
  if (msgbuf.Length() < sizeof(long) + max) ThrowErrno(info.Env(), "msgrcv", EFAULT);
  char* buf = msgbuf.Data();
  ssize_t n = -1;
  int e = 0;
  auto call = [&](int f) {
    do {
      n = msgrcv(id, buf, max, type, f);
      e = n < 0 ? errno : 0;
    } while (e == EINTR);
  };
  if (flags & IPC_NOWAIT) {
    bool got = SpinFor(spin, [&] {
      call(flags);
      return e != ENOMSG;
    });
    if (!got) return Napi::Number::New(info.Env(), -1);
  } else {
    call(flags);
  }
  if (n < 0) ThrowErrno(info.Env(), "msgrcv", e);
  return Napi::Number::New(info.Env(), (double)n);
}

// msgrcvAsync(id, maxSize, type, flags) -> { promise<{ type, data }>, cancel }
Napi::Value MsgRcvAsync(const Napi::CallbackInfo& info) {
  auto job = std::make_shared<Job>();
  int id = ArgInt(info, 0);
  size_t max = (size_t)ArgInt64(info, 1);
  long type = (long)ArgInt64(info, 2);
  int flags = ArgInt(info, 3);
  job->syscall = "msgrcv";
  job->data.resize(sizeof(long) + max);
  job->work = [id, max, type, flags](Job& j) {
    return j.Retry([&] {
      ssize_t n = msgrcv(id, j.data.data(), max, type, flags);
      if (n < 0) return errno;
      memcpy(&j.mtype, j.data.data(), sizeof(long));
      j.data.resize(sizeof(long) + (size_t)n);
      return 0;
    });
  };
  job->result = [](Napi::Env env, Job& j) {
    return MessageValue(env, j.mtype, j.data.data() + sizeof(long), j.data.size() - sizeof(long));
  };
  return StartJob(info.Env(), job);
}

// msgStat(id) -> { messages, bytes, maxBytes, lastSendPid, lastReceivePid, key }
Napi::Value MsgStat(const Napi::CallbackInfo& info) {
  struct msqid_ds ds;
  if (msgctl(ArgInt(info, 0), IPC_STAT, &ds) < 0) ThrowErrno(info.Env(), "msgctl", errno);
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("messages", Napi::Number::New(env, (double)ds.msg_qnum));
  out.Set("bytes", Napi::Number::New(env, (double)ds.__msg_cbytes));
  out.Set("maxBytes", Napi::Number::New(env, (double)ds.msg_qbytes));
  out.Set("lastSendPid", Napi::Number::New(env, ds.msg_lspid));
  out.Set("lastReceivePid", Napi::Number::New(env, ds.msg_lrpid));
  out.Set("key", Napi::Number::New(env, ds.msg_perm.__key));
  return out;
}

Napi::Value MsgRmid(const Napi::CallbackInfo& info) {
  if (msgctl(ArgInt(info, 0), IPC_RMID, nullptr) < 0) ThrowErrno(info.Env(), "msgctl", errno);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- shared memory
Napi::Value ShmOpen(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>();
  int fd = shm_open(name.c_str(), ArgInt(info, 1), (mode_t)ArgInt(info, 2));
  if (fd < 0) ThrowErrno(info.Env(), "shm_open", errno);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value ShmUnlink(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>();
  if (shm_unlink(name.c_str()) < 0) ThrowErrno(info.Env(), "shm_unlink", errno);
  return info.Env().Undefined();
}

Napi::Value Ftruncate(const Napi::CallbackInfo& info) {
  if (ftruncate(ArgInt(info, 0), (off_t)ArgInt64(info, 1)) < 0) ThrowErrno(info.Env(), "ftruncate", errno);
  return info.Env().Undefined();
}

Napi::Value FdSize(const Napi::CallbackInfo& info) {
  struct stat st;
  if (fstat(ArgInt(info, 0), &st) < 0) ThrowErrno(info.Env(), "fstat", errno);
  return Napi::Number::New(info.Env(), (double)st.st_size);
}

// One mmap'ed region. The ArrayBuffer's finalizer owns (deletes) it; munmap()
// and the finalizer unmap at most once between them. Looked up by address only
// while mapped (an address can be reused by a later mmap once unmapped).
struct Mapping {
  void* addr;
  size_t size;
  bool mapped;
};
std::mutex g_maps_mutex;
std::unordered_map<void*, Mapping*> g_maps;

void FinalizeMapping(Napi::Env, void*, Mapping* m) {
  std::lock_guard<std::mutex> lock(g_maps_mutex);
  if (m->mapped) {
    munmap(m->addr, m->size);
    g_maps.erase(m->addr);
  }
  delete m;
}

// mmap(fd, size) -> ArrayBuffer over MAP_SHARED memory
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0);
  size_t size = (size_t)ArgInt64(info, 1);
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) ThrowErrno(info.Env(), "mmap", errno);
  auto* m = new Mapping{addr, size, true};
  {
    std::lock_guard<std::mutex> lock(g_maps_mutex);
    g_maps[addr] = m;
  }
  return Napi::ArrayBuffer::New(info.Env(), addr, size, FinalizeMapping, m);
}

// munmap(arrayBuffer): unmap, then detach at once (before any JS runs again):
// every view now has length 0, so a later access reads nothing instead of crashing.
Napi::Value Munmap(const Napi::CallbackInfo& info) {
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return info.Env().Undefined();
  void* addr = ab.Data();
  {
    std::lock_guard<std::mutex> lock(g_maps_mutex);
    auto it = g_maps.find(addr);
    if (it != g_maps.end()) {
      munmap(addr, it->second->size);
      it->second->mapped = false;
      g_maps.erase(it);
    }
  }
  ab.Detach();
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- semaphores
std::mutex g_sems_mutex;
std::unordered_map<int32_t, sem_t*> g_sems;
int32_t g_next_sem = 1;

sem_t* SemArg(const Napi::CallbackInfo& info, size_t i) {
  std::lock_guard<std::mutex> lock(g_sems_mutex);
  auto it = g_sems.find(ArgInt(info, i));
  if (it == g_sems.end()) ThrowErrno(info.Env(), "sem", EBADF);
  return it->second;
}

// semOpen(name, oflag, mode, value) -> handle number
Napi::Value SemOpen(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>();
  sem_t* s = sem_open(name.c_str(), ArgInt(info, 1), (mode_t)ArgInt(info, 2), (unsigned)ArgInt64(info, 3));
  if (s == SEM_FAILED) ThrowErrno(info.Env(), "sem_open", errno);
  std::lock_guard<std::mutex> lock(g_sems_mutex);
  int32_t h = g_next_sem++;
  g_sems[h] = s;
  return Napi::Number::New(info.Env(), h);
}

Napi::Value SemClose(const Napi::CallbackInfo& info) {
  sem_t* s;
  {
    std::lock_guard<std::mutex> lock(g_sems_mutex);
    auto it = g_sems.find(ArgInt(info, 0));
    if (it == g_sems.end()) return info.Env().Undefined();
    s = it->second;
    g_sems.erase(it);
  }
  if (sem_close(s) < 0) ThrowErrno(info.Env(), "sem_close", errno);
  return info.Env().Undefined();
}

Napi::Value SemUnlink(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>();
  if (sem_unlink(name.c_str()) < 0) ThrowErrno(info.Env(), "sem_unlink", errno);
  return info.Env().Undefined();
}

Napi::Value SemPost(const Napi::CallbackInfo& info) {
  if (sem_post(SemArg(info, 0)) < 0) ThrowErrno(info.Env(), "sem_post", errno);
  return info.Env().Undefined();
}

// sem_trywait, retried for up to `spin` µs while the value is 0: true when taken.
bool SemTrySpin(Napi::Env env, sem_t* s, double spin) {
  int e = 0;
  bool taken = SpinFor(spin, [&] {
    for (;;) {
      if (sem_trywait(s) == 0) return true;
      if (errno != EINTR) {
        e = errno == EAGAIN ? 0 : errno;
        return e != 0;
      }
    }
  });
  if (e != 0) ThrowErrno(env, "sem_trywait", e);
  return taken;
}

// semTryWait(h, spinUs) -> true when decremented, false when the value stayed 0
// for spinUs µs (0: one try)
Napi::Value SemTryWait(const Napi::CallbackInfo& info) {
  sem_t* s = SemArg(info, 0);
  double spin = info.Length() > 1 ? info[1].As<Napi::Number>().DoubleValue() : 0;
  bool taken = SemTrySpin(info.Env(), s, spin);
  return Napi::Boolean::New(info.Env(), taken);
}

// semWaitSync(h): sem_wait, blocking the calling thread (worker threads, child
// processes), retried on EINTR. Nothing is tried before it: glibc's sem_wait
// already takes a unit with one atomic operation when there is one, and sleeps in
// one futex call when there is none.
Napi::Value SemWaitSync(const Napi::CallbackInfo& info) {
  sem_t* s = SemArg(info, 0);
  while (sem_wait(s) < 0) {
    if (errno != EINTR) ThrowErrno(info.Env(), "sem_wait", errno);
  }
  return info.Env().Undefined();
}

Napi::Value SemGetValue(const Napi::CallbackInfo& info) {
  int v = 0;
  if (sem_getvalue(SemArg(info, 0), &v) < 0) ThrowErrno(info.Env(), "sem_getvalue", errno);
  return Napi::Number::New(info.Env(), v);
}

// semWaitAsync(h, timeoutMs) -> { promise<boolean>, cancel }; timeoutMs < 0: no
// timeout (sem_wait), else sem_timedwait; resolves false on timeout.
Napi::Value SemWaitAsync(const Napi::CallbackInfo& info) {
  sem_t* s = SemArg(info, 0);
  double timeout = info[1].As<Napi::Number>().DoubleValue();
  auto job = std::make_shared<Job>();
  job->syscall = timeout < 0 ? "sem_wait" : "sem_timedwait";
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  if (timeout >= 0) {
    long long ns = (long long)deadline.tv_nsec + (long long)(timeout * 1e6);
    deadline.tv_sec += (time_t)(ns / 1000000000LL);
    deadline.tv_nsec = (long)(ns % 1000000000LL);
  }
  job->work = [s, timeout, deadline](Job& j) {
    int e = j.Retry([&] {
      int r = timeout < 0 ? sem_wait(s) : sem_timedwait(s, &deadline);
      return r < 0 ? errno : 0;
    });
    j.flag = e == 0;
    return e == ETIMEDOUT ? 0 : e;
  };
  job->result = [](Napi::Env env, Job& j) { return Napi::Boolean::New(env, j.flag); };
  return StartJob(info.Env(), job);
}

// ---------------------------------------------------------------- pipes
// pipe2(flags) -> [readFd, writeFd]
Napi::Value Pipe2(const Napi::CallbackInfo& info) {
  int fds[2];
  if (pipe2(fds, ArgInt(info, 0)) < 0) ThrowErrno(info.Env(), "pipe2", errno);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), fds[0]));
  out.Set(1u, Napi::Number::New(info.Env(), fds[1]));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("msgget", Napi::Function::New(env, MsgGet));
  exports.Set("msgsnd", Napi::Function::New(env, MsgSnd));
  exports.Set("msgsndAsync", Napi::Function::New(env, MsgSndAsync));
  exports.Set("msgrcv", Napi::Function::New(env, MsgRcv));
  exports.Set("msgrcvAsync", Napi::Function::New(env, MsgRcvAsync));
  exports.Set("msgStat", Napi::Function::New(env, MsgStat));
  exports.Set("msgRmid", Napi::Function::New(env, MsgRmid));
  exports.Set("shmOpen", Napi::Function::New(env, ShmOpen));
  exports.Set("shmUnlink", Napi::Function::New(env, ShmUnlink));
  exports.Set("ftruncate", Napi::Function::New(env, Ftruncate));
  exports.Set("fdSize", Napi::Function::New(env, FdSize));
  exports.Set("mmap", Napi::Function::New(env, Mmap));
  exports.Set("munmap", Napi::Function::New(env, Munmap));
  exports.Set("semOpen", Napi::Function::New(env, SemOpen));
  exports.Set("semClose", Napi::Function::New(env, SemClose));
  exports.Set("semUnlink", Napi::Function::New(env, SemUnlink));
  exports.Set("semPost", Napi::Function::New(env, SemPost));
  exports.Set("semTryWait", Napi::Function::New(env, SemTryWait));
  exports.Set("semWaitSync", Napi::Function::New(env, SemWaitSync));
  exports.Set("semGetValue", Napi::Function::New(env, SemGetValue));
  exports.Set("semWaitAsync", Napi::Function::New(env, SemWaitAsync));
  exports.Set("pipe2", Napi::Function::New(env, Pipe2));
  Napi::Object c = Napi::Object::New(env);
  c.Set("IPC_CREAT", Napi::Number::New(env, IPC_CREAT));
  c.Set("IPC_EXCL", Napi::Number::New(env, IPC_EXCL));
  c.Set("IPC_NOWAIT", Napi::Number::New(env, IPC_NOWAIT));
  c.Set("IPC_PRIVATE", Napi::Number::New(env, IPC_PRIVATE));
  c.Set("MSG_NOERROR", Napi::Number::New(env, MSG_NOERROR));
  c.Set("O_CREAT", Napi::Number::New(env, O_CREAT));
  c.Set("O_EXCL", Napi::Number::New(env, O_EXCL));
  c.Set("O_RDWR", Napi::Number::New(env, O_RDWR));
  c.Set("O_CLOEXEC", Napi::Number::New(env, O_CLOEXEC));
  c.Set("O_NONBLOCK", Napi::Number::New(env, O_NONBLOCK));
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(cdlab_ipc, Init)
