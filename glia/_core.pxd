# cython: language_level=3
# C++ declarations of the glia engine. Each declaration appears once, here.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from cpython.object cimport PyObject
from libcpp cimport bool as cbool
from libcpp.memory cimport unique_ptr
from libcpp.string cimport string
from libcpp.vector cimport vector


cdef int raise_glia_error() except -1


cdef extern from "glia/limits.hpp" namespace "glia" nogil:
    const int32_t kMaxNeurons
    double physical_memory_bytes()


cdef extern from "glia/build_info.hpp" namespace "glia" nogil:
    int omp_max_threads()
    int openmp_version()
    const char* compiler_name()


cdef extern from "glia/worker_pool.hpp" namespace "glia" nogil:
    const int64_t kWaitSpinNs
    int64_t wait_spin_ns()
    int64_t set_wait_spin_ns(int64_t ns)
    cdef cppclass CThreadsInfo "glia::ThreadsInfo":
        int64_t spin_ns
        int64_t parallel_runs
        int64_t declined_runs
        int64_t serial_for_ns
        cbool adaptive
        int workers
        int sleeping
    CThreadsInfo threads_info()
    cbool set_adaptive_threads(cbool on)


cdef extern from "glia/error.hpp" namespace "glia":
    cdef enum class ErrorKind(int):
        kGeneric
        kFormat
        kKey
        kValue
        kFile
        kFileNotFound
        kBusy
        kCancelled
        kMemory
        kBuffer
    ErrorKind classify_current_exception(string& msg)


cdef extern from "glia/hook.hpp" namespace "glia" nogil:
    ctypedef int (*CHook "glia::Hook")(void* ctx) except -1
    cdef cppclass CPoller "glia::Poller":
        CPoller(CHook hook, void* ctx, double interval_s)


cdef extern from "glia/network.hpp" namespace "glia" nogil:
    int64_t kParallelStepMinWork
    int64_t parallel_step_min_work()
    int64_t set_parallel_step_min_work(int64_t work)
    int64_t team_runs()

    cdef enum class CResetMode "glia::ResetMode"(uint8_t):
        kResting
        kSubtract
        kSubtractDelayed
    const int kNumResetModes
    const char* kResetModeNames[]

    cdef cppclass CNeuronFeatures "glia::NeuronFeatures":
        cbool floor
        CResetMode reset
        float alpha
        float bias
    CResetMode reset_mode_of(const string& name) except +raise_glia_error

    cdef cppclass CState "glia::State":
        vector[float] value
        vector[float] input
        vector[uint8_t] fired_mask
        vector[int32_t] fired
        int32_t n_fired
        int64_t tick
        void reset(const CNetwork& net) except +raise_glia_error

    cdef cppclass CRunOutput "glia::RunOutput":
        uint8_t* raster
        vector[int32_t]* event_step
        vector[int32_t]* event_neuron
        const int32_t* trace_index
        int64_t n_trace
        float* traces
        int64_t* spike_count

    cdef cppclass CNetwork "glia::Network":
        CNetwork() except +raise_glia_error
        CNetwork(int32_t num_sensory, int32_t num_neurons) except +raise_glia_error
        CNetwork(const CNetwork& other) except +raise_glia_error
        int32_t size()
        int32_t num_sensory()
        int64_t num_edges()
        const vector[string]& ids()
        const string& id(int32_t i) except +raise_glia_error
        int kind_code(int32_t i)
        int32_t find(const string& id)
        int32_t index(const string& id) except +raise_glia_error
        int32_t add_neuron(const string& id, float thr, float leak, float rest) except +raise_glia_error
        void set_params(int32_t i, float thr, float leak, float rest) except +raise_glia_error
        CNeuronFeatures features(int32_t i) except +raise_glia_error
        void set_features(int32_t i, const CNeuronFeatures& f) except +raise_glia_error
        @staticmethod
        void check_params(const string& id, float thr, float leak, float rest) except +raise_glia_error
        @staticmethod
        void check_features(const string& id, const CNeuronFeatures& f) except +raise_glia_error
        cbool extended()
        const vector[float]& alpha()
        const vector[float]& bias()
        const vector[uint8_t]& flags()
        const vector[float]& threshold()
        const vector[float]& leak()
        const vector[float]& resting()
        float* threshold_data()
        float* leak_data()
        const vector[int64_t]& row_ptr()
        const vector[int32_t]& col()
        const vector[float]& weight()
        float* weight_data()
        vector[int32_t] edge_sources() except +raise_glia_error
        int64_t find_edge(int32_t s, int32_t d)
        void set_edge(int32_t s, int32_t d, float w) except +raise_glia_error
        void set_edges(const int32_t* s, const int32_t* d, const float* w, int64_t n) except +raise_glia_error
        void assign_edges(const int32_t* s, const int32_t* d, const float* w, int64_t n) except +raise_glia_error
        cbool remove_edge(int32_t s, int32_t d) except +raise_glia_error
        int64_t filter_edges(const uint8_t* keep) except +raise_glia_error
        void clear_edges()
        CState& state()
        void reset() except +raise_glia_error
        void inject(int32_t i, float x) except +raise_glia_error
        void step(int64_t n, int n_threads, CHook hook, void* ctx) except +raise_glia_error
        void step_state(CState& s)
        void run(CState& s, const float* X, int64_t T, CRunOutput& out, int n_threads, CPoller* poller) except +raise_glia_error
        int step_threads(int n_threads)
        size_t model_bytes()
        void validate() except +raise_glia_error
        void swap(CNetwork& other) except +raise_glia_error
        void pin()
        void unpin()
        int64_t pins()


cdef extern from "glia/sequence.hpp" namespace "glia" nogil:
    int64_t kMaxTick
    cdef cppclass CEvent "glia::Sequence::Event":
        int64_t tick
        int32_t name
        float value

    cdef cppclass CSequence "glia::Sequence":
        CSequence() except +raise_glia_error
        CSequence(const CSequence& other) except +raise_glia_error
        int64_t duration
        cbool loop
        void add_event(int64_t tick, const string& id, float value) except +raise_glia_error
        const vector[string]& names()
        const vector[CEvent]& events() except +raise_glia_error
        int64_t num_events()
        int64_t last_tick() except +raise_glia_error
        int64_t length() except +raise_glia_error
        void clear()


cdef extern from "glia/io.hpp" namespace "glia" nogil:
    void write_file_atomic(const string& path, const string& text) except +raise_glia_error
    void load_network(CNetwork& net, const string& path) except +raise_glia_error
    void parse_network(CNetwork& net, const string& text, const string& name) except +raise_glia_error
    void save_network(const CNetwork& net, const string& path) except +raise_glia_error
    string format_network(const CNetwork& net) except +raise_glia_error
    CSequence load_sequence(const string& path) except +raise_glia_error
    CSequence parse_sequence(const string& text, const string& name) except +raise_glia_error
    void save_sequence(const CSequence& seq, const string& path) except +raise_glia_error


# Thread-safety primitives of the Cython layer (docs/threads.md): no reliance on the GIL.
cdef extern from "glia/busy.hpp" namespace "glia" nogil:
    cdef enum BusyResult "glia::BusyFlag::Result":
        kEntered "glia::BusyFlag::kEntered"
        kOtherThread "glia::BusyFlag::kOtherThread"
        kSameThread "glia::BusyFlag::kSameThread"
    cdef cppclass BusyFlag "glia::BusyFlag":
        BusyResult enter(uint64_t owner, cbool reentrant) noexcept
        void leave() noexcept
        cbool busy() noexcept
    uint64_t this_thread_token() noexcept


cdef extern from "_threads.hpp" namespace "glia_py" nogil:
    cdef cppclass Counter:
        uint64_t get() noexcept
        void bump() noexcept
    Counter& input_edits() noexcept
    cbool make_immortal(PyObject* o) noexcept
    cbool is_immortal(PyObject* o) noexcept
    cbool built_free_threaded() noexcept


cdef class Network:
    cdef CNetwork* _net
    cdef BusyFlag _busy
    cdef Counter _layout      # bumped when neuron ids/indices may change (layout_version)
    cdef object __weakref__
    # Room after the fields above, which every call writes (the busy flag; the reference
    # count in the object's header): two networks made one after the other by one thread
    # lie side by side in memory, and without it they share a cache line, so two threads
    # stepping one each slow each other down on free-threaded Python (docs/threads.md)
    cdef char _apart[192]
    cdef int _enter(self) except -1
    cdef void _leave(self) noexcept
    cdef object _vec(self, const float* p, Py_ssize_t n)
    cdef tuple _edge_arrays(self)
    cdef list _ids(self, Py_ssize_t n)
    cdef tuple _summary(self, bint with_weights)
    cdef int64_t _size(self, int what) except -1


cdef class InputSequence:
    cdef CSequence* _seq
    cdef int64_t _cursor
    cdef int64_t _play      # GliaGL's playback tick (reset/advance/get_current_inputs)
    cdef Counter _version   # bumped by every change (the version property)
    cdef void _edited(self) noexcept  # version and the input edit count += 1 (under the lock)
    cdef CSequence _snapshot(self)    # a copy of the engine sequence, taken under the lock


# ---------------------------------------------------------------- training
cdef extern from "glia/train_config.hpp" namespace "glia" nogil:
    cdef cppclass CDetectorConfig "glia::DetectorConfig":
        int32_t default_id

    cdef cppclass CTrainConfig "glia::TrainConfig":
        CDetectorConfig detector
        uint64_t seed


cdef extern from "glia/config_fields.hpp" namespace "glia" nogil:
    cdef enum class FieldKind(int32_t):
        kInt
        kFloat
        kBool
        kChoice
        kSeed

    cdef struct CFieldSpec "glia::FieldSpec":
        const char* name
        FieldKind kind
        size_t offset
        double lo
        double hi
        cbool lo_open
        cbool hi_open
        const char* choices
        const char* doc
        cbool may_be_unset

    const vector[CFieldSpec]& train_config_fields()
    const CFieldSpec* find_field(const string& name)
    double get_field(const CTrainConfig& c, const CFieldSpec& f)
    void set_field(CTrainConfig& c, const CFieldSpec& f, double v)
    string field_rule(const CFieldSpec& f) except +raise_glia_error
    cbool field_accepts(const CFieldSpec& f, double v)
    string config_relation_error(const CTrainConfig& c) except +raise_glia_error
    void validate_config(const CTrainConfig& cfg) except +raise_glia_error


cdef extern from "glia/episode.hpp" namespace "glia" nogil:
    cdef cppclass CEpisode "glia::Episode":
        CEpisode() except +raise_glia_error
        vector[int32_t] tick
        vector[int32_t] neuron
        vector[float] value
        int64_t length
        cbool loop
        int32_t target
        void add(int32_t t, int32_t n, float v)
        void sort()
        void set_dense(const float* X, int64_t T, int32_t width)

    cdef cppclass CEpisodeMetrics "glia::EpisodeMetrics":
        int32_t winner
        float margin
        vector[float] rates
        int64_t ticks_run

    cdef cppclass CDatasetMetrics "glia::DatasetMetrics":
        vector[int32_t] winners
        vector[float] margins
        vector[float] rates
        int64_t correct
        double accuracy
        double mean_margin

    CEpisode episode_from_sequence(const CSequence& seq, const CNetwork& net, int32_t target) except +raise_glia_error


cdef extern from "glia/trainer.hpp" namespace "glia" nogil:
    cdef cppclass CEpochMetrics "glia::EpochMetrics":
        double accuracy
        double mean_margin
        double loss
        int64_t correct
        int64_t total
        cbool reverted

    cdef cppclass CTrainer "glia::Trainer":
        const CTrainConfig& config()
        void set_config(const CTrainConfig& cfg) except +raise_glia_error
        void set_seed(uint64_t seed)
        void set_lr_scale(float s) except +raise_glia_error
        float lr_scale()
        const vector[int32_t]& outputs()
        void set_outputs(const vector[int32_t]& outputs) except +raise_glia_error
        CEpochMetrics train_epoch(const vector[CEpisode]& episodes, int n_threads, CHook hook, void* ctx,
                                  cbool episodes_checked) except +raise_glia_error
        vector[CEpochMetrics] train(const vector[CEpisode]& episodes, int64_t epochs, int n_threads,
                                    CHook hook, void* ctx) except +raise_glia_error
        CEpochMetrics train_batch(const vector[CEpisode]& batch, int n_threads, CHook hook, void* ctx,
                                  vector[CEpisodeMetrics]* metrics_out) except +raise_glia_error
        CEpisodeMetrics evaluate(const CEpisode& ep, int n_threads) except +raise_glia_error
        CDatasetMetrics evaluate_dataset(const vector[CEpisode]& episodes, int n_threads,
                                         CHook hook, void* ctx, cbool episodes_checked) except +raise_glia_error
        cbool revert_checkpoint() except +raise_glia_error
        int64_t num_checkpoints()
        void clear_checkpoints()
        const vector[double]& acc_history()
        const vector[double]& margin_history()
        const vector[double]& loss_history()
        int64_t epochs_done()
        void clear_history()

    cdef cppclass CHebbianTrainer "glia::HebbianTrainer"(CTrainer):
        CHebbianTrainer(CNetwork& net, const CTrainConfig& cfg) except +raise_glia_error

    cdef cppclass CRateGDTrainer "glia::RateGDTrainer"(CTrainer):
        CRateGDTrainer(CNetwork& net, const CTrainConfig& cfg) except +raise_glia_error

    cdef cppclass CSurrogateTrainer "glia::SurrogateTrainer"(CTrainer):
        CSurrogateTrainer(CNetwork& net, const CTrainConfig& cfg) except +raise_glia_error
        vector[float] gradients(const vector[CEpisode]& episodes, int n_threads, CHook hook,
                                void* ctx) except +raise_glia_error
        size_t scratch_bytes()
        @staticmethod
        int32_t block_lanes(int64_t n, int64_t T, int64_t G, int32_t N)

    cdef enum class TrainerKind(int32_t):
        kGradient
        kHebbian
        kSurrogate

    const vector[string]& trainer_names()
    TrainerKind trainer_kind(const string& name) except +raise_glia_error
    unique_ptr[CTrainer] make_trainer(TrainerKind kind, CNetwork& net, const CTrainConfig& cfg) except +raise_glia_error


# ---------------------------------------------------------------- evolution
cdef extern from "glia/evolution.hpp" namespace "glia" nogil:
    cdef cppclass CMutationConfig "glia::MutationConfig":
        float sigma_w
        float sigma_thr
        float sigma_leak

    cdef cppclass CBreedConfig "glia::BreedConfig":
        CMutationConfig mutation
        int64_t population
        int64_t elite
        int64_t parents_pool

    cdef cppclass CBrood "glia::Brood":
        vector[int64_t] parents
        vector[CNetwork] children
        vector[uint64_t] train_seeds

    vector[int64_t] rank_by_fitness(const vector[double]& fitness) except +raise_glia_error
    CBrood breed(const vector[const CNetwork*]& previous, const vector[int64_t]& order,
                 const CBreedConfig& cfg, uint64_t seed, int64_t generation, int n_threads,
                 CHook hook, void* ctx) except +raise_glia_error

    cdef cppclass CScoreOptions "glia::ScoreOptions":
        CTrainConfig train_config
        vector[int32_t] outputs
        TrainerKind trainer
        int64_t train_epochs

    cdef cppclass CIndividualScore "glia::IndividualScore":
        double accuracy
        double margin
        int64_t edges
        int64_t correct
        int64_t total

    cdef cppclass CPopulationScoring "glia::PopulationScoring":
        CPopulationScoring(const vector[CNetwork*]& nets, const vector[uint64_t]& train_seeds,
                           const vector[CEpisode]& train, const vector[CEpisode]& val,
                           const CScoreOptions& opt, CHook hook, void* ctx) except +raise_glia_error
        int64_t size()
        int begin(int n_threads)
        void score(int64_t i) noexcept
        vector[CIndividualScore] finish() except +raise_glia_error

    vector[CIndividualScore] score_population(const vector[CNetwork*]& nets,
                                              const vector[uint64_t]& train_seeds,
                                              const vector[CEpisode]& train,
                                              const vector[CEpisode]& val,
                                              const CScoreOptions& opt, int n_threads,
                                              CHook hook, void* ctx) except +raise_glia_error

