package ode

import "math"

// The controller's powers err^expo1 and err^β: exp(e·log x) from a table-driven log and exp,
// about 3× faster than math.Log and math.Exp together. The power only sets the next step size
// (whether a step is accepted is decided on err itself), and this one is as accurate as
// math.Exp(e*math.Log(x)): within about 2 ulps of x^e (TestPow measures it against
// arbitrary-precision values). The operations are plain additions and multiplications, no fused
// ones, so that a C program with the same tables (testdata/bench/dopri.c) makes the same steps.
//
// log x = k·ln 2 + log c + log1p(r): x = 2^k·z with z in [0.6875, 1.375), c the centre of
// the one of 128 subintervals of that range which holds z, and r = (z − c)/c (z − c is exact, and
// |r| ≤ 2⁻⁸), with log1p's Taylor polynomial to r⁷. exp y = 2^(k/128)·exp(r): k the nearest
// integer to 128·y/ln 2, |r| ≤ ln 2/256, with exp's Taylor polynomial to r⁵.

const (
	powLogOff  = 0x3fe6000000000000 // the bits of 0.6875, the start of z's range
	powLn2Hi   = 0x1.62e42fefa3800p-1
	powLn2Lo   = 0x1.ef35793c76730p-45
	powInvLn2N = 0x1.71547652b82fep7 // 128/ln 2
	powShift   = 0x1.8p52            // adding it rounds to an integer
	powLn2HiN  = 0x1.62e42fefa0000p-8
	powLn2LoN  = 0x1.cf79abc9e3b3ap-47
)

// powLogC holds the bits of log c_i, correctly rounded, for the centres
// c_i = 0.6875 + (i + ½)·2⁻⁸ (i < 80) and 1 + (i − 80 + ½)·2⁻⁷ (i ≥ 80).
var powLogC = [128]uint64{
	0xbfd7cc7f7db46a0e, 0xbfd76feecb947175, 0xbfd713e33a46a17c, 0xbfd6b85b4cffa3fd,
	0xbfd65d558d4ce00b, 0xbfd602d08af091ec, 0xbfd5a8cadbbedfa1, 0xbfd54f431b7be1a9,
	0xbfd4f637ebba9810, 0xbfd49da7f3bcc41f, 0xbfd44591e0539f49, 0xbfd3edf463c1683e,
	0xbfd396ce359bbf54, 0xbfd3401e12aecba1, 0xbfd2e9e2bce12286, 0xbfd2941afb186b7c,
	0xbfd23ec5991eba49, 0xbfd1e9e1678899f4, 0xbfd1956d3b9bc2fa, 0xbfd14167ef367783,
	0xbfd0edd060b78081, 0xbfd09aa572e6c6d4, 0xbfd047e60cde83b8, 0xbfcfeb2233ea07cd,
	0xbfcf474b134df229, 0xbfcea4449f04aaf5, 0xbfce020cc6235ab5, 0xbfcd60a17f903515,
	0xbfccc000c9db3c52, 0xbfcc2028ab17f9b4, 0xbfcb811730b823d2, 0xbfcae2ca6f672bd4,
	0xbfca454082e6ab05, 0xbfc9a8778debaa38, 0xbfc90c6db9fcbcd9, 0xbfc871213750e994,
	0xbfc7d6903caf5ad0, 0xbfc73cb9074fd14d, 0xbfc6a399dabbd383, 0xbfc60b3100b09476,
	0xbfc5737cc9018cdd, 0xbfc4dc7b897bc1c8, 0xbfc4462b9dc9b3dc, 0xbfc3b08b6757f2a9,
	0xbfc31b994d3a4f85, 0xbfc28753bc11aba5, 0xbfc1f3b925f25d41, 0xbfc160c8024b27b1,
	0xbfc0ce7ecdccc28d, 0xbfc03cdc0a51ec0d, 0xbfbf57bc7d9005db, 0xbfbe3707ee30487b,
	0xbfbd179788219364, 0xbfbbf968769fca11, 0xbfbadc77ee5aea8c, 0xbfb9c0c32d4d2548,
	0xbfb8a6477a91dc29, 0xbfb78d02263d82d3, 0xbfb674f089365a7a, 0xbfb55e10050e0384,
	0xbfb4485e03dbdfad, 0xbfb333d7f8183f4b, 0xbfb2207b5c78549e, 0xbfb10e45b3cae831,
	0xbfaffa6911ab9301, 0xbfadda8adc67ee4e, 0xbfabbcebfc68f420, 0xbfa9a187b573de7c,
	0xbfa788595a3577ba, 0xbfa5715c4c03ceef, 0xbfa35c8bfaa1306b, 0xbfa149e3e4005a8d,
	0xbf9e72bf2813ce51, 0xbf9a55f548c5c43f, 0xbf963d6178690bd6, 0xbf9228fb1fea2e28,
	0xbf8c317384c75f06, 0xbf841929f96832f0, 0xbf78121214586b54, 0xbf60040155d5889e,
	0x3f6ff00aa2b10bc0, 0x3f87dc475f810a77, 0x3f93cea44346a575, 0x3f9b9fc027af9198,
	0x3fa1b0d98923d980, 0x3fa58a5bafc8e4d5, 0x3fa95c830ec8e3eb, 0x3fad276b8adb0b52,
	0x3fb075983598e471, 0x3fb253f62f0a1417, 0x3fb42edcbea646f0, 0x3fb60658a93750c4,
	0x3fb7da766d7b12cd, 0x3fb9ab42462033ad, 0x3fbb78c82bb0eda1, 0x3fbd4313d66cb35d,
	0x3fbf0a30c01162a6, 0x3fc0671512ca596e, 0x3fc14785846742ac, 0x3fc2266f190a5acb,
	0x3fc303d718e47fd3, 0x3fc3dfc2b0ecc62a, 0x3fc4ba36f39a55e5, 0x3fc59338d9982086,
	0x3fc66acd4272ad51, 0x3fc740f8f54037a5, 0x3fc815c0a14357eb, 0x3fc8e928de886d41,
	0x3fc9bb362e7dfb83, 0x3fca8becfc882f19, 0x3fcb5b519e8fb5a4, 0x3fcc2968558c18c1,
	0x3fccf6354e09c5dc, 0x3fcdc1bca0abec7d, 0x3fce8c0252aa5a60, 0x3fcf550a564b7b37,
	0x3fd00e6c45ad501d, 0x3fd071b85fcd590d, 0x3fd0d46b579ab74b, 0x3fd136870293a8b0,
	0x3fd1980d2dd4236f, 0x3fd1f8ff9e48a2f3, 0x3fd2596010df763a, 0x3fd2b9303ab89d25,
	0x3fd31871c9544185, 0x3fd3772662bfd85b, 0x3fd3d54fa5c1f710, 0x3fd432ef2a04e814,
}

// powExp2 holds the bits of 2^(j/128), correctly rounded.
var powExp2 = [128]uint64{
	0x3ff0000000000000, 0x3ff0163da9fb3335, 0x3ff02c9a3e778061, 0x3ff04315e86e7f85,
	0x3ff059b0d3158574, 0x3ff0706b29ddf6de, 0x3ff0874518759bc8, 0x3ff09e3ecac6f383,
	0x3ff0b5586cf9890f, 0x3ff0cc922b7247f7, 0x3ff0e3ec32d3d1a2, 0x3ff0fb66affed31b,
	0x3ff11301d0125b51, 0x3ff12abdc06c31cc, 0x3ff1429aaea92de0, 0x3ff15a98c8a58e51,
	0x3ff172b83c7d517b, 0x3ff18af9388c8dea, 0x3ff1a35beb6fcb75, 0x3ff1bbe084045cd4,
	0x3ff1d4873168b9aa, 0x3ff1ed5022fcd91d, 0x3ff2063b88628cd6, 0x3ff21f49917ddc96,
	0x3ff2387a6e756238, 0x3ff251ce4fb2a63f, 0x3ff26b4565e27cdd, 0x3ff284dfe1f56381,
	0x3ff29e9df51fdee1, 0x3ff2b87fd0dad990, 0x3ff2d285a6e4030b, 0x3ff2ecafa93e2f56,
	0x3ff306fe0a31b715, 0x3ff32170fc4cd831, 0x3ff33c08b26416ff, 0x3ff356c55f929ff1,
	0x3ff371a7373aa9cb, 0x3ff38cae6d05d866, 0x3ff3a7db34e59ff7, 0x3ff3c32dc313a8e5,
	0x3ff3dea64c123422, 0x3ff3fa4504ac801c, 0x3ff4160a21f72e2a, 0x3ff431f5d950a897,
	0x3ff44e086061892d, 0x3ff46a41ed1d0057, 0x3ff486a2b5c13cd0, 0x3ff4a32af0d7d3de,
	0x3ff4bfdad5362a27, 0x3ff4dcb299fddd0d, 0x3ff4f9b2769d2ca7, 0x3ff516daa2cf6642,
	0x3ff5342b569d4f82, 0x3ff551a4ca5d920f, 0x3ff56f4736b527da, 0x3ff58d12d497c7fd,
	0x3ff5ab07dd485429, 0x3ff5c9268a5946b7, 0x3ff5e76f15ad2148, 0x3ff605e1b976dc09,
	0x3ff6247eb03a5585, 0x3ff6434634ccc320, 0x3ff6623882552225, 0x3ff68155d44ca973,
	0x3ff6a09e667f3bcd, 0x3ff6c012750bdabf, 0x3ff6dfb23c651a2f, 0x3ff6ff7df9519484,
	0x3ff71f75e8ec5f74, 0x3ff73f9a48a58174, 0x3ff75feb564267c9, 0x3ff780694fde5d3f,
	0x3ff7a11473eb0187, 0x3ff7c1ed0130c132, 0x3ff7e2f336cf4e62, 0x3ff80427543e1a12,
	0x3ff82589994cce13, 0x3ff8471a4623c7ad, 0x3ff868d99b4492ed, 0x3ff88ac7d98a6699,
	0x3ff8ace5422aa0db, 0x3ff8cf3216b5448c, 0x3ff8f1ae99157736, 0x3ff9145b0b91ffc6,
	0x3ff93737b0cdc5e5, 0x3ff95a44cbc8520f, 0x3ff97d829fde4e50, 0x3ff9a0f170ca07ba,
	0x3ff9c49182a3f090, 0x3ff9e86319e32323, 0x3ffa0c667b5de565, 0x3ffa309bec4a2d33,
	0x3ffa5503b23e255d, 0x3ffa799e1330b358, 0x3ffa9e6b5579fdbf, 0x3ffac36bbfd3f37a,
	0x3ffae89f995ad3ad, 0x3ffb0e07298db666, 0x3ffb33a2b84f15fb, 0x3ffb59728de5593a,
	0x3ffb7f76f2fb5e47, 0x3ffba5b030a1064a, 0x3ffbcc1e904bc1d2, 0x3ffbf2c25bd71e09,
	0x3ffc199bdd85529c, 0x3ffc40ab5fffd07a, 0x3ffc67f12e57d14b, 0x3ffc8f6d9406e7b5,
	0x3ffcb720dcef9069, 0x3ffcdf0b555dc3fa, 0x3ffd072d4a07897c, 0x3ffd2f87080d89f2,
	0x3ffd5818dcfba487, 0x3ffd80e316c98398, 0x3ffda9e603db3285, 0x3ffdd321f301b460,
	0x3ffdfc97337b9b5f, 0x3ffe264614f5a129, 0x3ffe502ee78b3ff6, 0x3ffe7a51fbc74c83,
	0x3ffea4afa2a490da, 0x3ffecf482d8e67f1, 0x3ffefa1bee615a27, 0x3fff252b376bba97,
	0x3fff50765b6e4540, 0x3fff7bfdad9cbe14, 0x3fffa7c1819e90d8, 0x3fffd3c22b8f71f1,
}

// powInvC holds 1/c_i, rounded once.
var powInvC [128]float64

func init() {
	for i := range powInvC {
		powInvC[i] = 1 / powCentre(uint64(i))
	}
}

// powCentre returns c_i: the bits of the start of subinterval i plus half its width.
func powCentre(i uint64) float64 { return math.Float64frombits(powLogOff + i<<45 + 1<<44) }

// powLog returns log x for a positive, normal and finite x, and for other x math.Log(x).
func powLog(x float64) float64 {
	ix := math.Float64bits(x)
	if ix-0x0010000000000000 >= 0x7ff0000000000000-0x0010000000000000 {
		return math.Log(x)
	}
	tmp := ix - powLogOff
	i := tmp >> 45 & 127
	k := float64(int64(tmp) >> 52)
	z := math.Float64frombits(ix - tmp&(0xfff<<52))
	r := (z - powCentre(i)) * powInvC[i]
	// log1p(r) = r + r²·p(r), p evaluated by Estrin's scheme (shorter chains than Horner's).
	r2 := r * r
	p := (-0.5 + r*(1.0/3)) + r2*((-0.25+r*0.2)+r2*(-1.0/6+r*(1.0/7)))
	// t + r rounded, hi, and its rounding error recovered (t − hi + r is exact when |t| ≥ |r|),
	// all while p is computed: the sum waits for p only twice.
	t := k*powLn2Hi + math.Float64frombits(powLogC[i])
	hi := t + r
	lo := (t - hi + r) + k*powLn2Lo
	return hi + (lo + r2*p)
}

// powExp returns exp y for |y| < 700, and for other y math.Exp(y).
func powExp(y float64) float64 {
	if !(math.Abs(y) < 700) {
		return math.Exp(y)
	}
	kd := y*powInvLn2N + powShift
	ki := math.Float64bits(kd)
	kd -= powShift
	r := y - kd*powLn2HiN - kd*powLn2LoN
	j := ki & 127
	scale := math.Float64frombits(powExp2[j] + (ki-j)<<45)
	r2 := r * r
	p := r + r2*((0.5+r*(1.0/6))+r2*(1.0/24+r*(1.0/120))) // exp(r) − 1, Estrin's scheme
	return scale + scale*p
}
