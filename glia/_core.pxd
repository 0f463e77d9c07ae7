# cython: language_level=3
# C++ declarations of the glia engine. Each declaration appears once, here.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libcpp cimport bool as cbool
from libcpp.string cimport string
from libcpp.vector cimport vector


cdef int raise_glia_error() except -1


cdef extern from "glia/error.hpp" namespace "glia":
    int classify_current_exception(string& msg)


cdef extern from "glia/hook.hpp" namespace "glia" nogil:
    ctypedef int (*CHook "glia::Hook")(void* ctx) except -1
    cdef cppclass CPoller "glia::Poller":
        CPoller(CHook hook, void* ctx, double interval_s)


cdef extern from "glia/network.hpp" namespace "glia" nogil:
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
        void step(int64_t n, CHook hook, void* ctx) except +raise_glia_error
        void step_state(CState& s)
        void run(CState& s, const float* X, int64_t T, CRunOutput& out, CPoller* poller) except +raise_glia_error
        size_t model_bytes()
        void validate() except +raise_glia_error
        void swap(CNetwork& other)


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
    void load_network(CNetwork& net, const string& path) except +raise_glia_error
    void parse_network(CNetwork& net, const string& text, const string& name) except +raise_glia_error
    void save_network(const CNetwork& net, const string& path) except +raise_glia_error
    string format_network(const CNetwork& net) except +raise_glia_error
    CSequence load_sequence(const string& path) except +raise_glia_error
    CSequence parse_sequence(const string& text, const string& name) except +raise_glia_error
    void save_sequence(const CSequence& seq, const string& path) except +raise_glia_error


cdef class Network:
    cdef CNetwork* _net
    cdef bint _busy
    cdef object __weakref__
    cdef int _enter(self) except -1
    cdef void _leave(self) noexcept
    cdef int _run_nogil(self, const float* X, int64_t T, CRunOutput& out) except -1
    cdef object _vec(self, const float* p, Py_ssize_t n)
    cdef tuple _edge_arrays(self)


cdef class InputSequence:
    cdef CSequence* _seq
    cdef int64_t _cursor
