// his-sim's hospital: departments, doctors, 14 days of slots, patients, unpaid items and lab
// reports generated deterministically from a seed; hold-then-book, pay, and the fault switch.
// Requests are handled under one mutex (thread-safe).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace hc::kiosk::hissim {

/** An HTTP answer: status and JSON body. */
struct Reply {
    int status = 200;
    boost::json::value body;
};

/** Faults injected into the next requests (set over POST /admin/faults). */
struct Faults {
    int delayMs = 0; ///< every request waits this long before it is handled
    int fail5xx = 0; ///< the next N /fhir requests answer 503 without doing anything
    int dropAfterCommit = 0; ///< the next N mutating requests are done, then the reply is dropped
};

/** The simulated HIS. */
class HisWorld {
public:
    /** Generates the hospital from `seed`; slots from `today` (YYYY-MM-DD) for 14 days. */
    HisWorld(unsigned seed, std::string today, std::chrono::milliseconds holdTime);

    /** Handles one request. `dropReply` is set when the reply must be dropped after commit. */
    Reply handle(const std::string& method, const std::string& target, const std::string& body,
        bool& dropReply);
    /** The delay to apply before handling (fault switch). */
    int delayMs();
    /** 退号 closes this many minutes before the slot starts (default 30). */
    void setCancelCutoffMinutes(int minutes);
    /** Fixes the HIS's local time ("YYYY-MM-DDTHH:MM", UTC+8); "" = the real clock. Also
     * settable over POST /admin/clock {"now"}. */
    void setNow(std::string localTime);
    /** Without a fixed time: the HIS's clock runs with the real one but on the calendar day
     * `today` ("YYYY-MM-DD", the first day of the slots), so a world generated for a given day
     * stays coherent whatever today's date is. */
    void setClockDay(const std::string& today);

private:
    struct SlotRec {
        std::string id, doctorId, date, start, end;
        std::int64_t priceFen = 0;
        std::string holdSession;
        std::chrono::steady_clock::time_point holdUntil;
        std::string holdExpiresUtc;
        std::string appointmentId;
    };
    struct ItemRec {
        std::string id, patientId, description, status;
        int quantity = 1;
        std::int64_t priceFen = 0;
        std::string category; ///< "drug" / "exam" for the seeded residents, else ""
        std::string insuranceClass; ///< catalog class "A"/"B"/"C" for the seeded residents
    };
    struct ObsRec {
        std::string code, name, unit;
        double value = 0, low = 0, high = 0;
    };
    struct ReportRec {
        std::string id, patientId, name, issued;
        std::vector<ObsRec> obs;
    };

    Reply route(const std::string& method, const std::string& path,
        const std::map<std::string, std::string>& query, const boost::json::value& body);
    Reply hold(const std::string& slotId, const boost::json::value& body);
    Reply release(const std::string& slotId, const boost::json::value& body);
    Reply book(const boost::json::value& body);
    Reply pay(const boost::json::value& body);
    Reply createPatient(const boost::json::value& body);
    Reply refund(const std::string& invoiceId, const boost::json::value& body);
    Reply cancelAppointment(const std::string& appointmentId, const boost::json::value& body);
    bool heldByOther(const SlotRec& s, const std::string& session) const;
    std::string nowLocal() const;
    boost::json::object appointmentJson(const boost::json::object& a) const;
    boost::json::object slotJson(const SlotRec& s) const;
    boost::json::object patientJson(const boost::json::object& p) const;
    boost::json::object invoiceJson(const std::string& id) const;
    void addResidents();
    void addPatient(std::mt19937& rng, std::string idNumber, std::string name, std::string gender,
        std::string birth, std::string phone);

    std::mutex m_mutex;
    std::chrono::milliseconds m_holdTime;
    Faults m_faults;
    std::vector<boost::json::object> m_departments;
    std::vector<boost::json::object> m_doctors;
    std::map<std::string, SlotRec> m_slots;
    std::vector<boost::json::object> m_patients;
    std::map<std::string, ItemRec> m_items;
    std::vector<ReportRec> m_reports;
    std::map<std::string, boost::json::object> m_appointments; ///< by id
    std::map<std::string, std::string> m_appointmentByRequest;
    std::map<std::string, boost::json::object> m_invoices; ///< by id
    std::map<std::string, std::string> m_invoiceByRequest;
    std::map<std::string, std::string> m_refundByRequest; ///< refund request id -> invoice id
    std::map<std::string, std::string> m_cancelByRequest; ///< cancel request id -> appointment
    int m_cancelCutoffMinutes = 30;
    std::string m_now; ///< fixed local time, "" = real clock (moved by m_dayShift)
    long long m_dayShift = 0; ///< whole days added to the real clock (setClockDay)
    int m_nextPatient = 1;
    int m_nextItem = 1;
    int m_nextAppointment = 1;
    int m_nextInvoice = 1;
};

/** A FHIR OperationOutcome reply. */
Reply outcome(int status, const std::string& code, const std::string& diagnostics);

/** The GB 11643 check character of the first 17 digits. */
char idCheckCharacter(const std::string& first17);

} // namespace hc::kiosk::hissim
