//! Scheduler, generation loop, streaming decode and MP4 export of a film IR
