// Package testimage writes and reads the firmware images that the iLO
// simulator accepts and the tests upload: "real enough to drive versions".
// An image says which device it is for and which version it carries; the
// simulator reads that with Inspect and changes its FirmwareInventory to
// match. Images are streamed, so a test can write several GiB without holding
// them in memory. The client in internal/ilo must not import this package: it
// learns versions the way it would from a real iLO (tests may import it).
//
// # Kinds and file names
//
// The kind of an image follows from its file name, as on real HPE media:
//
//	Kind           file names                          real example (captures)
//	ilo            ilo<gen>_<version>.bin              ilo5_270.bin, ilo7_1.16.00.bin
//	firmware       other *.bin                         delta-cecv3.5-ota.bin
//	bios           <ROM>_<v>_<MM>_<DD>_<YYYY>.signed.flash | .signed.full
//	                                                   A47_2.58_05_19_2022.signed.full
//	signedbin      *.signed.bin (SPS, IE)              —
//	cpld           *.vme                               CPLD_XL675d_Gen10p_v0F0F_full_signed.vme
//	hex            *.hex                               —
//	fwpkg          *.fwpkg                             ilo5_270.fwpkg
//	smartcomponent *.exe, *.rpm, *.zip, *.scexe        cp043370.exe
//
// Versions a name carries (InferVersion), which is all a client may infer
// from a file name:
//
//   - ilo<gen>_<ddd>.bin and .fwpkg: three digits are "d.dd" (ilo5_305.bin →
//     "3.05", ilo6_167.bin → "1.67"); iLO 7 names carry the dotted version
//     itself (ilo7_1.16.00.fwpkg → "1.16.00", the name in an HPE example),
//     and five digits are read the same way (ilo7_11600.bin → "1.16.00").
//     The version format follows reference §1.1.
//   - <ROM>_<maj.min>_<MM>_<DD>_<YYYY>.signed.flash → "v2.90 (01/01/2025)",
//     the repository Version format of the captured BIOS component
//     (FirmwareInventory prefixes the ROM family: "U46 v2.90 (01/01/2025)").
//   - <anything>-<version>-<build>.fwpkg → <version>
//     (NVIDIA_…_FPGA-3.03-1.fwpkg → "3.03").
//   - *_v<HH>….vme → "<HH>" (CPLD_…_v0F0F_full_signed.vme → "0F").
//   - Smart Components (cp045678.exe) carry no version in the name: the
//     version is only in the image (as with real Smart Components).
//
// # Header format (every kind but fwpkg)
//
// Real iLO, BIOS and CPLD images carry an HPE secure-flash header; ours is a
// documented stand-in:
//
//	offset  size  content
//	0       8     magic "FLEETFW1"
//	8       4     n, big-endian uint32 length of the metadata (≤ 64 KiB)
//	12      n     metadata, a JSON object (Header)
//	12+n    …     filler up to Header.Size bytes in total
//
// The metadata holds Format "fleetfw-testimage/1", Kind, Filename, Name,
// Version, DeviceClass, Targets, UpdatableBy, Activates, InstallDurationSec
// and Size (the whole file). Inspect refuses a file whose length differs from
// Size (a truncated or padded upload), and a file without the magic
// (ErrUnknownFormat, which the simulator reports as an image in an unknown
// format). The filler is deterministic: a 64 KiB block derived from the
// file name and version, whose first 8 bytes are overwritten with the block
// number, so that every 32 MiB part of a file differs from the others.
//
// # fwpkg
//
// A .fwpkg is a real zip (entries stored, not compressed) holding
// payload.json in HPE's FWPKG format — the fields iLOrest's flashfwpkg reads:
//
//	{"PackageFormat": "FWPKG-v2", "Name": …, "Description": …, "Type": "Firmware",
//	 "DeviceClass": …, "UpdatableBy": ["Bmc"],
//	 "Devices": {"Device": [{"DeviceName": …, "Target": <GUID>, "Version": …,
//	   "FirmwareImages": [{"FileName": "ilo5_305.bin", "Order": 1,
//	     "DirectFlashOk": true, "UefiFlashable": false, "ResetRequired": false,
//	     "ServerPowerOff": false, "PLDMImage": false, "InstallDurationSec": 300,
//	     "Type": "Firmware"}]}]}}
//
// followed by the payload image, itself a header-format image of the total
// size asked for (minus the zip overhead; fwpkg images are limited to 4 GiB,
// so that no zip64 records change that overhead). One Device is written per
// target. Activates is not a payload.json field: ServerPowerOff means
// AfterHardPowerCycle, ResetRequired means AfterReboot, neither means
// Immediately (as the captured ilo5_270.fwpkg shows), so AfterDeviceReset
// reads back as Immediately. DirectFlashOk is true when UpdatableBy contains
// Bmc, UefiFlashable when it contains Uefi.
//
// # .compsig
//
// Smart Components need a detached signature; iLO refuses them without one
// and answers a bad one with iLO.UpdateSignatureValidationFailed ("The file
// signature is invalid"). Ours is a JSON document (Compsig):
//
//	{"Format": "fleetfw-compsig/1", "Component": "cp045678.exe", "Part": 0,
//	 "Offset": 0, "Length": 104857600, "SHA256": "<hex>", "Signer": "fleetfw test signer"}
//
// <base>.compsig (Part 0) covers the whole file; a component larger than
// 32 MiB (PartSize, iLO's limit per POST) also gets <base>_part<N>.compsig,
// N from 1, covering bytes [(N-1)·32 MiB, N·32 MiB) — the names iLOrest looks
// for when it splits an upload (reference §4.4). <base> is the file name
// without its last extension. Verify checks a signature against the bytes it
// covers.
package testimage
