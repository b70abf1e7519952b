-- A parent's bookings in every round, found by the booker: each tap in a slot round checks
-- them for overlaps, which read every slot of the school without this.
CREATE INDEX round_slots_by_booker ON round_slots (booked_by_kind, booked_by_id);
